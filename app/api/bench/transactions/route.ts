/**
 * For bench/transactions.ts: how many database transactions this process has opened so far. Counted and
 * answered only when the bench started the server with RAMPART_BENCH=1.
 */
export const dynamic = "force-dynamic";

// route-guard: public — a bench counter with no data in it, and it answers only when RAMPART_BENCH=1
export function GET(): Response {
  if (process.env.RAMPART_BENCH !== "1") return new Response("Not Found", { status: 404 });
  return Response.json({ transactions: (globalThis as typeof globalThis & { __rampartTransactions?: number }).__rampartTransactions ?? 0 });
}
