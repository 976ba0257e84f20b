import autocannon from "autocannon";
import { z } from "zod";

/**
 * The load generator, run as its own process so it does not share an event loop with the harness:
 * `tsx bench/load.ts '<json plan>'` prints one JSON line with the measurement of every target.
 *
 * Rounds alternate the order of the targets (A B, B A, …) so a drift in the machine's load during
 * the run does not favour one target. Latencies are collected per response, so p95 is exact.
 */
const planSchema = z.object({
  targets: z.array(z.object({ name: z.string().min(1), url: z.url(), headers: z.record(z.string(), z.string()).optional() })).min(1).max(8),
  connections: z.number().int().min(1).max(100),
  warmupSeconds: z.number().min(0).max(30),
  seconds: z.number().min(1).max(30),
  rounds: z.number().int().min(1).max(4),
});
export type LoadPlan = z.infer<typeof planSchema>;

export type LoadStats = {
  name: string;
  url: string;
  /** 2xx responses per second of measured time, over all rounds. */
  requestsPerSecond: number;
  responses: number;
  seconds: number;
  latencyMs: { p50: number; p95: number; p99: number; mean: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  perRound: Array<{ requestsPerSecond: number; p95: number }>;
};

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

type Run = { latencies: number[]; seconds: number; non2xx: number; errors: number; timeouts: number };

function once(url: string, connections: number, seconds: number, headers?: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const instance = autocannon({ url, connections, duration: seconds, timeout: 10, headers }, (err: unknown, result: autocannon.Result) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve({ latencies, seconds: result.duration, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts });
    });
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const plan = planSchema.parse(JSON.parse(process.argv[2] ?? "{}"));
  for (const t of plan.targets) {
    if (!LOOPBACK.has(new URL(t.url).hostname)) throw new Error(`refusing to load a non-loopback address: ${t.url}`);
  }
  for (const t of plan.targets) if (plan.warmupSeconds > 0) await once(t.url, plan.connections, plan.warmupSeconds, t.headers);

  const runs = new Map<string, Run[]>(plan.targets.map((t) => [t.name, []]));
  for (let round = 0; round < plan.rounds; round++) {
    const order = round % 2 === 0 ? plan.targets : [...plan.targets].reverse();
    for (const t of order) runs.get(t.name)!.push(await once(t.url, plan.connections, plan.seconds, t.headers));
  }

  const stats: LoadStats[] = plan.targets.map((t) => {
    const list = runs.get(t.name)!;
    const all = list.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const seconds = list.reduce((s, r) => s + r.seconds, 0);
    const sum = all.reduce((s, v) => s + v, 0);
    return {
      name: t.name,
      url: t.url,
      requestsPerSecond: round2(all.length / seconds),
      responses: all.length,
      seconds: round2(seconds),
      latencyMs: {
        p50: round2(percentile(all, 50)),
        p95: round2(percentile(all, 95)),
        p99: round2(percentile(all, 99)),
        mean: round2(sum / all.length),
        max: round2(all.at(-1) ?? NaN),
      },
      non2xx: list.reduce((s, r) => s + r.non2xx, 0),
      errors: list.reduce((s, r) => s + r.errors, 0),
      timeouts: list.reduce((s, r) => s + r.timeouts, 0),
      perRound: list.map((r) => {
        const sorted = [...r.latencies].sort((a, b) => a - b);
        return { requestsPerSecond: round2(r.latencies.length / r.seconds), p95: round2(percentile(sorted, 95)) };
      }),
    };
  });
  process.stdout.write(JSON.stringify(stats) + "\n");
}

main().catch((err: unknown) => {
  console.error(`load: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
