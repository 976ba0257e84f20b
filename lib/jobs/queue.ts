import "server-only";
import { and, desc, eq, sql } from "drizzle-orm";
import { jobs, type Job } from "@/db/schema/jobs";
import { APP_ROLE, type Database, type Transaction } from "@/lib/db/client";

export type EnqueueOptions = {
  kind: string;
  orgId: string;
  payload?: unknown;
  /** At most one queued or running job per (kind, dedupeKey): a second enqueue returns the first. */
  dedupeKey?: string;
  runAt?: Date;
  maxAttempts?: number;
  progress?: unknown;
};

/**
 * Adds an organisation's job in the caller's transaction (inside withTenant for that organisation),
 * so it exists exactly when the change that needs it commits.
 */
export async function enqueueJob(tx: Transaction, options: EnqueueOptions): Promise<{ id: string; created: boolean }> {
  const [row] = await tx
    .insert(jobs)
    .values({
      kind: options.kind,
      orgId: options.orgId,
      payload: options.payload ?? {},
      dedupeKey: options.dedupeKey ?? null,
      runAt: options.runAt ?? new Date(),
      maxAttempts: options.maxAttempts ?? 5,
      progress: options.progress ?? null,
    })
    .onConflictDoNothing()
    .returning({ id: jobs.id });
  if (row) return { id: row.id, created: true };
  const [existing] = await tx
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.kind, options.kind), eq(jobs.dedupeKey, options.dedupeKey ?? ""), sql`${jobs.state} in ('queued', 'running')`));
  if (!existing) throw new Error(`could not enqueue ${options.kind}: a conflicting job is not visible in this organisation`);
  return { id: existing.id, created: false };
}

/** The most recent job of a kind for the organisation (inside withTenant). */
export async function latestJob(tx: Transaction, orgId: string, kind: string): Promise<Job | null> {
  const [row] = await tx
    .select()
    .from(jobs)
    .where(and(eq(jobs.orgId, orgId), eq(jobs.kind, kind)))
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(1);
  return row ?? null;
}

export async function getJob(tx: Transaction, id: string): Promise<Job | null> {
  const [row] = await tx.select().from(jobs).where(eq(jobs.id, id));
  return row ?? null;
}

/** The runner's own scope: it sees every organisation's jobs (ids and counters only), nothing else. */
export function withRunnerScope<T>(db: Database, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(`SET LOCAL ROLE ${APP_ROLE}`));
    await tx.execute(sql`select set_config('app.job_runner', 'on', true), set_config('app.org_id', '', true), set_config('app.user_id', '', true)`);
    return fn(tx);
  });
}

/** Queued and running jobs across every organisation, for the queue-depth metric (counts only). */
export async function countOpenJobs(db: Database): Promise<{ queued: number; running: number }> {
  const rows = await withRunnerScope(db, (tx) =>
    tx
      .select({ state: jobs.state, count: sql<number>`count(*)::int` })
      .from(jobs)
      .where(sql`${jobs.state} in ('queued', 'running')`)
      .groupBy(jobs.state),
  );
  const count = (state: string) => Number(rows.find((r) => r.state === state)?.count ?? 0);
  return { queued: count("queued"), running: count("running") };
}
