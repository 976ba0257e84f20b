import { randomBytes } from "node:crypto";
import { z } from "zod";
import { closeAgents, fetchCsrf, percentile, postCredentials, type CsrfPair } from "./login-client";

/**
 * The attacker of the login bench, as its own process: `tsx bench/lib/login-flood.ts '<json plan>'`
 * posts wrong passwords for random accounts (or the one in the plan) at a fixed rate for a fixed time, spread over the given
 * loopback source addresses, never more than `maxInFlight` at once (ticks that find the cap reached
 * are skipped and counted). When the time is up it waits `drainMs` for answers, then abandons the
 * rest. Prints "started" as the first request goes out, and one JSON line of FloodStats at the end.
 */
const planSchema = z.object({
  origin: z.url(),
  ratePerSecond: z.number().min(1).max(200),
  seconds: z.number().min(1).max(60),
  sourceAddresses: z.array(z.string().regex(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/)).min(1).max(1000),
  maxInFlight: z.number().int().min(1).max(512),
  timeoutMs: z.number().int().min(1000).max(60_000),
  drainMs: z.number().int().min(0).max(60_000),
  /** Guess at this one account (the real person's) instead of random unknown ones. */
  email: z.email().optional(),
});
export type FloodPlan = z.infer<typeof planSchema>;

export type FloodStats = {
  planned: number;
  sent: number;
  skippedAtCap: number;
  /** Answers by HTTP status ("401", "429", …); "error" for failures (timeouts included). */
  byStatus: Record<string, number>;
  /** Still unanswered when the flood stopped. */
  abandoned: number;
  /** Answered requests per second while the flood ran. */
  answeredPerSecond: number;
  latencyMs: { p50: number; p95: number; max: number };
  /** Epoch ms of the first 429 (the server started refusing this flood), if any. */
  firstRefusedAt: number | null;
  startedAt: number;
  seconds: number;
};

async function main(): Promise<void> {
  const plan = planSchema.parse(JSON.parse(process.argv[2] ?? "{}"));
  const csrfByAddress = new Map<string, Promise<CsrfPair>>();
  const csrfFor = (address: string) => {
    let pair = csrfByAddress.get(address);
    if (!pair) csrfByAddress.set(address, (pair = fetchCsrf(plan.origin, address, plan.timeoutMs)));
    return pair;
  };

  const planned = Math.round(plan.ratePerSecond * plan.seconds);
  const byStatus: Record<string, number> = {};
  const latencies: number[] = [];
  let sent = 0;
  let skipped = 0;
  let inFlight = 0;
  let firstRefusedAt: number | null = null;
  const pending = new Set<Promise<void>>();

  const fire = async (i: number) => {
    const address = plan.sourceAddresses[i % plan.sourceAddresses.length]!;
    const t0 = performance.now();
    try {
      const csrf = await csrfFor(address);
      const email = plan.email ?? `flood-${randomBytes(6).toString("hex")}@flood.test`;
      const { status } = await postCredentials(plan.origin, address, csrf, { email, password: `wrong-${randomBytes(8).toString("hex")}` }, plan.timeoutMs);
      byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
      if (status === 429) firstRefusedAt ??= Date.now();
      latencies.push(performance.now() - t0);
    } catch {
      byStatus.error = (byStatus.error ?? 0) + 1;
    } finally {
      inFlight--;
    }
  };

  process.stdout.write("started\n");
  const startedAt = Date.now();
  const start = performance.now();
  const interval = 1000 / plan.ratePerSecond;
  for (let i = 0; i < planned; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= plan.maxInFlight) {
      skipped++;
      continue;
    }
    inFlight++;
    sent++;
    const p = fire(i).finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, plan.drainMs))]);
  const seconds = (performance.now() - start) / 1000;
  const abandoned = pending.size;
  const stats: FloodStats = {
    planned,
    sent,
    skippedAtCap: skipped,
    byStatus: { ...byStatus },
    abandoned,
    answeredPerSecond: latencies.length / seconds,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: percentile(latencies, 100) },
    firstRefusedAt,
    startedAt,
    seconds,
  };
  process.stdout.write(JSON.stringify(stats) + "\n");
  closeAgents(); // drops the abandoned requests' connections
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(`login flood failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
