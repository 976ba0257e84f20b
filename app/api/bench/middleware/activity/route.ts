import { GET as bareFeedRead } from "../../bare/activity/route";

/**
 * bench/http-stack.ts's second baseline: the bare feed read of `/api/bench/bare/activity` (same handler, same gate: it
 * answers only to the bench) with middleware.ts in front of it, which the bare route's path is excluded from. Against
 * the bare read it is what the middleware costs alone; against the member route, what the session, guard and RLS cost.
 */
export const dynamic = "force-dynamic";

// route-guard: public — the bench baseline behind middleware.ts: no guard by design; it answers only to the bench (RAMPART_BENCH=1 and its secret)
export function GET(request: Request): Promise<Response> {
  return bareFeedRead(request);
}
