import type { LoadStats } from "./load";
import { fmt, markdownTable, runLoad, type Harness } from "./lib/harness";
import { startProductionServer } from "./lib/server";

/**
 * DESIGN.md, Performance: what the security stack costs against a bare route handler on the same machine.
 * For now the stack is the middleware (per-request CSP nonce, security headers, request id) and the
 * database ping of /api/health; the baseline is app/api/bench/bare, which middleware.ts does not match.
 * Both are measured in one run against one production server, alternating A B B A.
 */
const CONNECTIONS = 10;
const WARMUP_SECONDS = 2;
const SECONDS = 5;
const ROUNDS = 2;

type Probe = { status: number; requestId: boolean; nonceCsp: boolean; body: unknown };

async function probe(url: string): Promise<Probe> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return {
    status: res.status,
    requestId: res.headers.has("x-request-id"),
    nonceCsp: /'nonce-[^']+'/.test(res.headers.get("content-security-policy") ?? ""),
    body: await res.json().catch(() => null),
  };
}

export const httpStack: Harness = {
  name: "http-stack",
  async run(say) {
    const server = await startProductionServer(say);
    say(`server up at ${server.origin} in ${server.startSeconds} s`);
    try {
      const bareUrl = `${server.origin}/api/bench/bare`;
      const healthUrl = `${server.origin}/api/health`;

      // The comparison only means something if each route takes the path it claims to.
      const bare = await probe(bareUrl);
      if (bare.status !== 200 || bare.requestId || bare.nonceCsp)
        throw new Error(`${bareUrl} should answer 200 without middleware headers; got ${bare.status}, request id ${bare.requestId}, nonce CSP ${bare.nonceCsp}`);
      const health = await probe(healthUrl);
      if (health.status !== 200 || !health.requestId || !health.nonceCsp)
        throw new Error(`${healthUrl} should answer 200 through middleware; got ${health.status}, request id ${health.requestId}, nonce CSP ${health.nonceCsp}`);
      const database = (health.body as { checks?: { database?: { kind?: string } } } | null)?.checks?.database?.kind ?? "unknown";

      say(`load: ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up each, then ${ROUNDS}×${SECONDS} s per route (A B B A)…`);
      const stats = await runLoad({
        targets: [
          { name: "bare", url: bareUrl },
          { name: "health", url: healthUrl },
        ],
        connections: CONNECTIONS,
        warmupSeconds: WARMUP_SECONDS,
        seconds: SECONDS,
        rounds: ROUNDS,
      });
      const [b, h] = [stats.find((s) => s.name === "bare"), stats.find((s) => s.name === "health")] as [LoadStats, LoadStats];
      for (const s of stats) {
        if (s.non2xx > 0 || s.errors > 0 || s.responses === 0)
          throw new Error(`${s.url}: ${s.non2xx} non-2xx responses, ${s.errors} errors (${s.timeouts} timeouts) under load`);
      }

      const throughputRatio = h.requestsPerSecond / b.requestsPerSecond;
      const p95Ratio = h.latencyMs.p95 / b.latencyMs.p95;
      const row = (label: string, s: LoadStats) => [label, fmt(s.requestsPerSecond, 0), fmt(s.latencyMs.p50, 2), fmt(s.latencyMs.p95, 2), fmt(s.latencyMs.p99, 2)];
      const table = [
        markdownTable(
          ["Route", "Requests/s", "p50 ms", "p95 ms", "p99 ms"],
          [
            row("bare handler (`/api/bench/bare`, no middleware)", b),
            row("`/api/health` through middleware (CSP nonce + headers + DB ping)", h),
            ["**ratio health / bare**", `**${throughputRatio.toFixed(2)}x**`, (h.latencyMs.p50 / b.latencyMs.p50).toFixed(2) + "x", `**${p95Ratio.toFixed(2)}x**`, (h.latencyMs.p99 / b.latencyMs.p99).toFixed(2) + "x"],
          ],
        ),
        "",
        `autocannon, ${CONNECTIONS} connections from a separate process on the same machine, ${WARMUP_SECONDS} s warm-up, ${ROUNDS}×${SECONDS} s per route in A B B A order; ` +
          `\`next start\` production build, database: ${database} (fresh).`,
      ].join("\n");
      return {
        name: "http-stack",
        table,
        ratio: `ratio: /api/health through middleware = ${throughputRatio.toFixed(2)}x bare throughput, p95 ${p95Ratio.toFixed(2)}x`,
        data: {
          settings: { connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS, rounds: ROUNDS, order: "ABBA" },
          database,
          serverStartSeconds: server.startSeconds,
          built: server.built,
          routes: stats,
          ratios: { throughput: throughputRatio, p50: h.latencyMs.p50 / b.latencyMs.p50, p95: p95Ratio, p99: h.latencyMs.p99 / b.latencyMs.p99 },
        },
      };
    } finally {
      await server.stop();
    }
  },
};
