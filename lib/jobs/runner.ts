import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import { jobs } from "@/db/schema/jobs";
import { resultRows, type Database, type Transaction } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { logger, serializeError } from "@/lib/log";
import { metrics } from "@/lib/metrics";
import { withRunnerScope } from "./queue";

export type RunningJob = {
  id: string;
  kind: string;
  orgId: string | null;
  payload: unknown;
  /** Where the last committed step left off (null on the first run). */
  cursor: unknown;
  progress: unknown;
  attempts: number;
  maxAttempts: number;
};

export type StepResult<T> = { cursor: unknown; progress?: unknown; result?: T };

export type JobContext = {
  db: Database;
  /** Aborted when the runner stops: the job then ends after its current step and resumes later. */
  signal: AbortSignal;
  /**
   * One unit of work in one transaction (inside the job's organisation), committed together with
   * the new cursor and progress: after a crash the job resumes exactly after the last step.
   */
  step<T>(fn: (tx: Transaction) => Promise<StepResult<T>>): Promise<T | undefined>;
  /** Extends the lease during long work outside a step (streaming a large file). */
  heartbeat(): Promise<void>;
};

export type JobHandler = (job: RunningJob, ctx: JobContext) => Promise<void>;

export type RunnerOptions = {
  handlers: Readonly<Record<string, JobHandler>>;
  /** A job whose holder stops renewing for this long is taken over by another runner. */
  leaseSeconds?: number;
  signal?: AbortSignal;
  /** The request that started this run (the cron route), carried on every job log line. */
  requestId?: string;
};

export type RunOutcome = { id: string; kind: string; outcome: "succeeded" | "retrying" | "failed" | "interrupted" };

/** The lease holder changed (expired and taken over): this holder's work is rolled back. */
export class LeaseLostError extends Error {
  constructor() {
    super("The job's lease was lost to another runner");
    this.name = "LeaseLostError";
  }
}

/** Thrown out of a step when the runner is stopping; the job keeps its committed progress. */
export class JobInterruptedError extends Error {
  constructor() {
    super("The job runner is stopping");
    this.name = "JobInterruptedError";
  }
}

const DEFAULT_LEASE_SECONDS = 60;
const MAX_BACKOFF_SECONDS = 300;

type ClaimedRow = {
  id: string;
  kind: string;
  org_id: string | null;
  payload: unknown;
  cursor: unknown;
  progress: unknown;
  attempts: number;
  max_attempts: number;
};

const leaseUntil = (seconds: number) => sql`now() + make_interval(secs => ${seconds})`;

/** Claims the next due job (or one whose lease expired) of the given kinds, under a fresh lease token. */
async function claim(db: Database, kinds: string[], token: string, leaseSeconds: number): Promise<RunningJob | null> {
  if (kinds.length === 0) return null;
  const kindList = sql.join(
    kinds.map((k) => sql`${k}`),
    sql`, `,
  );
  const rows = await withRunnerScope(db, async (tx) =>
    resultRows<ClaimedRow>(
      await tx.execute(sql`
        update jobs set state = 'running', attempts = attempts + 1, locked_by = ${token},
          locked_until = ${leaseUntil(leaseSeconds)}, updated_at = now()
        where id = (
          select id from jobs
          where kind in (${kindList})
            and ((state = 'queued' and run_at <= now()) or (state = 'running' and locked_until < now()))
          order by run_at, created_at
          limit 1
          for update skip locked
        )
        returning id, kind, org_id, payload, cursor, progress, attempts, max_attempts`),
    ),
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    kind: row.kind,
    orgId: row.org_id,
    payload: row.payload,
    cursor: row.cursor,
    progress: row.progress,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
  };
}

/** Runs `fn` where the job's rows live: its organisation's tenant context, or the runner scope. */
function inJobScope<T>(db: Database, job: RunningJob, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return job.orgId ? withTenant(db, { orgId: job.orgId }, fn) : withRunnerScope(db, fn);
}

async function settle(db: Database, job: RunningJob, token: string, set: PgUpdateSetSource<typeof jobs>): Promise<void> {
  await withRunnerScope(db, (tx) =>
    tx
      .update(jobs)
      .set({ ...set, lockedBy: null, lockedUntil: null, updatedAt: new Date() })
      .where(and(eq(jobs.id, job.id), eq(jobs.lockedBy, token))),
  );
}

function errorLabel(err: unknown): string {
  const e = serializeError(err);
  return e.code ? `${e.type} (${e.code})` : e.type;
}

/**
 * Claims and runs one job. Returns null when nothing is due. A handler error schedules a retry
 * with exponential backoff until max attempts; an interruption leaves the job to resume later.
 */
export async function runNextJob(db: Database, options: RunnerOptions): Promise<RunOutcome | null> {
  const outcome = await claimAndRun(db, options);
  if (outcome) metrics().jobRuns.inc({ kind: outcome.kind, outcome: outcome.outcome });
  return outcome;
}

async function claimAndRun(db: Database, options: RunnerOptions): Promise<RunOutcome | null> {
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const signal = options.signal ?? new AbortController().signal;
  const token = randomUUID();
  const job = await claim(db, Object.keys(options.handlers), token, leaseSeconds);
  if (!job) return null;
  const handler = options.handlers[job.kind]!;
  const log = logger.child({ jobId: job.id, kind: job.kind, orgId: job.orgId, attempt: job.attempts, ...(options.requestId ? { requestId: options.requestId } : {}) });

  const ctx: JobContext = {
    db,
    signal,
    async step(fn) {
      if (signal.aborted) throw new JobInterruptedError();
      const result = await inJobScope(db, job, async (tx) => {
        const r = await fn(tx);
        const progress = r.progress === undefined ? job.progress : r.progress;
        const saved = await tx
          .update(jobs)
          .set({ cursor: r.cursor, progress, lockedUntil: leaseUntil(leaseSeconds), updatedAt: new Date() })
          .where(and(eq(jobs.id, job.id), eq(jobs.lockedBy, token), eq(jobs.state, "running")))
          .returning({ id: jobs.id });
        if (saved.length === 0) throw new LeaseLostError();
        job.cursor = r.cursor;
        job.progress = progress;
        return r.result;
      });
      if (signal.aborted) throw new JobInterruptedError();
      return result;
    },
    async heartbeat() {
      const saved = await withRunnerScope(db, (tx) =>
        tx
          .update(jobs)
          .set({ lockedUntil: leaseUntil(leaseSeconds) })
          .where(and(eq(jobs.id, job.id), eq(jobs.lockedBy, token)))
          .returning({ id: jobs.id }),
      );
      if (saved.length === 0) throw new LeaseLostError();
    },
  };

  if (job.attempts > job.maxAttempts) {
    await settle(db, job, token, { state: "failed", finishedAt: new Date(), lastError: "attempts exhausted" });
    return { id: job.id, kind: job.kind, outcome: "failed" };
  }
  try {
    await handler(job, ctx);
    await settle(db, job, token, { state: "succeeded", finishedAt: new Date(), lastError: null });
    log.info("job succeeded");
    return { id: job.id, kind: job.kind, outcome: "succeeded" };
  } catch (err) {
    if (err instanceof JobInterruptedError || err instanceof LeaseLostError) {
      log.info({ reason: err.name }, "job stopped; it resumes from its last step");
      return { id: job.id, kind: job.kind, outcome: "interrupted" };
    }
    const lastError = errorLabel(err);
    if (job.attempts >= job.maxAttempts) {
      await settle(db, job, token, { state: "failed", finishedAt: new Date(), lastError });
      log.error({ err }, "job failed for good");
      return { id: job.id, kind: job.kind, outcome: "failed" };
    }
    const backoff = Math.min(MAX_BACKOFF_SECONDS, 2 ** job.attempts);
    await settle(db, job, token, { state: "queued", runAt: leaseUntil(backoff), lastError });
    log.warn({ err, retryInSeconds: backoff }, "job failed; it will retry from its last step");
    return { id: job.id, kind: job.kind, outcome: "retrying" };
  }
}

/** Runs due jobs until none is left (tests, scripts, a cron-triggered route). */
export async function runJobsUntilIdle(db: Database, options: RunnerOptions & { maxJobs?: number }): Promise<RunOutcome[]> {
  const out: RunOutcome[] = [];
  while (out.length < (options.maxJobs ?? 1000) && !options.signal?.aborted) {
    const r = await runNextJob(db, options);
    if (!r) break;
    out.push(r);
  }
  return out;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

/**
 * Job kinds that can wait while `flooded()` holds (a sign-in flood: lib/auth/flood-gauge.ts), for at most `maxWaitMs`
 * of one flood, after which they are claimed whatever the flood (an attacker cannot put them off for good).
 */
export type Deferral = { kinds: readonly string[]; flooded: () => boolean; maxWaitMs: number };

/** The handlers a runner may claim now: all, or without the deferred kinds while a flood younger than maxWaitMs lasts. */
export function claimableHandlers(
  handlers: Readonly<Record<string, JobHandler>>,
  deferral: Deferral | undefined,
  floodSince: number | null,
  now: number,
): Readonly<Record<string, JobHandler>> {
  if (!deferral || floodSince === null || now - floodSince >= deferral.maxWaitMs) return handlers;
  return Object.fromEntries(Object.entries(handlers).filter(([kind]) => !deferral.kinds.includes(kind)));
}

/** The in-process runner of the embedded mode (and `npm run worker`): polls, runs due jobs one at a time. */
export function startJobRunner(db: Database, options: RunnerOptions & { pollMs?: number; defer?: Deferral }): { stop(): Promise<void> } {
  const controller = new AbortController();
  const pollMs = options.pollMs ?? 2000;
  const { defer, ...runOptions } = options;
  let floodSince: number | null = null;
  const loop = (async () => {
    while (!controller.signal.aborted) {
      let ran = false;
      try {
        const now = Date.now();
        floodSince = defer?.flooded() ? (floodSince ?? now) : null;
        const handlers = claimableHandlers(options.handlers, defer, floodSince, now);
        ran = (await runNextJob(db, { ...runOptions, handlers, signal: controller.signal })) !== null;
      } catch (err) {
        logger.error({ err }, "job runner could not claim or settle a job");
      }
      if (!ran) await sleep(pollMs, controller.signal);
    }
  })();
  return {
    async stop() {
      controller.abort();
      await loop;
    },
  };
}
