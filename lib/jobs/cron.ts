import "server-only";
import { sql } from "drizzle-orm";
import { recordAuditEvent } from "@/lib/audit";
import type { Config } from "@/lib/config";
import { resultRows, type Database } from "@/lib/db/client";
import { checkBearer } from "@/lib/http/bearer";
import { clientAddress } from "@/lib/http/client-address";
import { hashClientAddress } from "@/lib/keys";
import { logger } from "@/lib/log";
import { metrics } from "@/lib/metrics";
import { createRateLimiter } from "@/lib/ratelimit";
import { createBlobStore } from "@/lib/storage";
import { runScheduledChores } from "./background";
import { jobHandlers } from "./handlers";
import { runJobsUntilIdle, type RunOutcome } from "./runner";

/** One cron call's bounds: a slice of the queue, ended early by the time budget (a serverless function has ~60 s). */
export type CronLimits = { maxJobs: number; budgetMs: number };
export const DEFAULT_CRON_LIMITS: CronLimits = { maxJobs: 25, budgetMs: 45_000 };

/** The hourly chores run when this long has passed since any runner claimed them (a little under an hour, for schedule jitter). */
const CHORES_INTERVAL_MINUTES = 55;
const CHORES_CLAIM_KEY = "cron.chores";

export type CronReport = {
  job: string;
  ran: Record<RunOutcome["outcome"], number>;
  chores: "ran" | "not_due" | "failed";
  durationMs: number;
};

type CronTask = (db: Database, config: Config, limits: CronLimits, requestId: string) => Promise<Omit<CronReport, "job" | "durationMs">>;

/**
 * Claims the hourly chores for this call, atomically: of any number of concurrent calls, one sees the row updated
 * (or inserted) and runs them; the others see nothing and skip.
 */
async function claimChores(db: Database): Promise<boolean> {
  const rows = resultRows<{ key: string }>(
    await db.execute(sql`
      insert into system_meta (key, value, updated_at) values (${CHORES_CLAIM_KEY}, '{}'::jsonb, now())
      on conflict (key) do update set updated_at = now()
        where system_meta.updated_at < now() - make_interval(mins => ${CHORES_INTERVAL_MINUTES})
      returning key`),
  );
  return rows.length > 0;
}

const countOutcomes = (outcomes: RunOutcome[]) => {
  const ran = { succeeded: 0, retrying: 0, failed: 0, interrupted: 0 };
  for (const o of outcomes) ran[o.outcome] += 1;
  return ran;
};

/** Every job a scheduler may call, by the name in /api/cron/<name>. */
export const cronTasks: Readonly<Record<string, CronTask>> = {
  /** Due background jobs (leases keep concurrent calls apart), then the hourly chores when due. */
  jobs: async (db, config, limits, requestId) => {
    const started = Date.now();
    const outcomes = await runJobsUntilIdle(db, {
      handlers: jobHandlers({ store: createBlobStore(config.blob) }),
      maxJobs: limits.maxJobs,
      signal: AbortSignal.timeout(limits.budgetMs),
      requestId,
    });
    let chores: CronReport["chores"] = "not_due";
    if (Date.now() - started < limits.budgetMs && (await claimChores(db))) {
      try {
        await runScheduledChores(db, config);
        chores = "ran";
      } catch (err) {
        logger.error({ err, requestId }, "scheduled chores failed (cron)");
        chores = "failed";
      }
    }
    return { ran: countOutcomes(outcomes), chores };
  },
};

export const isCronJob = (name: string): boolean => Object.hasOwn(cronTasks, name);

/** At most this many refusals per minute reach the audit chain; the rest are logged and counted only. */
const REFUSALS_AUDITED_PER_MINUTE = 30;

async function recordRefusal(db: Database, config: Config, call: CronCall, reason: "missing_secret" | "wrong_secret"): Promise<void> {
  const job = isCronJob(call.job) ? call.job : "unknown";
  metrics().cronRefusals.inc();
  logger.warn({ requestId: call.requestId, job, reason }, "cron call refused");
  const limiter = createRateLimiter(config.rateLimit, db, { name: "cron-refusal-audit", limit: REFUSALS_AUDITED_PER_MINUTE, windowMs: 60_000 });
  if (!(await limiter.limit("all")).success) return;
  await recordAuditEvent(db, {
    orgId: null,
    actor: { kind: "anonymous" },
    action: "cron.refused",
    metadata: { job, reason },
    clientAddressHash: hashClientAddress(clientAddress(call.headers)),
    requestId: call.requestId,
  });
}

export type CronCall = { job: string; headers: Headers; requestId: string };
export type CronResponse = { status: 200; report: CronReport } | { status: 401 | 404; title: string };

/**
 * /api/cron/<job>: 404 while CRON_SECRET is unset or for an unknown job, 401 (recorded) without the right
 * `Authorization: Bearer $CRON_SECRET`, and nothing runs before the secret is checked.
 */
export async function handleCronCall(db: Database, config: Config, call: CronCall, limits: CronLimits = DEFAULT_CRON_LIMITS): Promise<CronResponse> {
  if (!config.cronSecret) return { status: 404, title: "Not found" };
  const check = checkBearer(call.headers, config.cronSecret);
  if (check !== "ok") {
    await recordRefusal(db, config, call, check === "missing" ? "missing_secret" : "wrong_secret");
    return { status: 401, title: "Bearer secret required" };
  }
  const task = isCronJob(call.job) ? cronTasks[call.job] : undefined;
  if (!task) return { status: 404, title: "Not found" };
  const started = Date.now();
  const result = await task(db, config, limits, call.requestId);
  const report = { job: call.job, ...result, durationMs: Date.now() - started };
  logger.info({ requestId: call.requestId, ...report }, "cron job ran");
  return { status: 200, report };
}
