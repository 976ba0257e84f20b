import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { problemResponse } from "@/lib/http/problem";
import { publicRoute } from "@/lib/http/route";
import { handleCronCall } from "@/lib/jobs/cron";

export const dynamic = "force-dynamic";
/** Vercel's limit for the function; the job slice stops well before it (lib/jobs/cron.ts DEFAULT_CRON_LIMITS). */
export const maxDuration = 60;

/** Public to the guard chain (no session), held by its own bearer secret in handleCronCall. */
const cron = publicRoute<{ job: string }>(async (request, { params, requestId }) => {
  const result = await handleCronCall(await getDb(), getConfig(), { job: params.job, headers: request.headers, requestId });
  if (result.status !== 200)
    return problemResponse({ status: result.status, title: result.title, requestId }, result.status === 401 ? { headers: { "www-authenticate": 'Bearer realm="cron"' } } : undefined);
  return Response.json(result.report, { headers: { "cache-control": "no-store" } });
});

// Vercel Cron calls with GET; other schedulers may POST (without an Origin header, so the same-origin check passes).
export const GET = cron;
export const POST = cron;
