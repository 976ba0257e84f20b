/**
 * The floor for bench/http-stack.ts: a handler with no middleware (middleware.ts excludes this path),
 * no guard and no database. It answers only when the bench started the server with RAMPART_BENCH=1.
 */
export const dynamic = "force-dynamic";

// route-guard: public — the bench floor: no guard by design, and it answers only when RAMPART_BENCH=1
export function GET(): Response {
  if (process.env.RAMPART_BENCH !== "1") return new Response("Not Found", { status: 404 });
  return Response.json({ ok: true });
}
