import "server-only";
import { jobs } from "@/db/schema/jobs";
import { getConfig } from "@/lib/config";
import type { Database } from "@/lib/db/client";
import { withRunnerScope } from "@/lib/jobs/queue";
import type { JobHandler } from "@/lib/jobs/runner";
import { restoreTestInChildProcess } from "./restore-child";
import { backupEnvironment, runBackupCycle, type BackupEnvironment } from "./run";
import { readBackupStatus } from "./status";

export const BACKUP_JOB = "backup.daily";
/** A day less an hour, so an hourly check never drifts a day late. */
const BACKUP_INTERVAL_MS = 23 * 60 * 60 * 1000;

const configuredEnvironment = (db: Database): BackupEnvironment => {
  const config = getConfig();
  return backupEnvironment({ db, driver: config.database.kind }, config);
};

/** The daily backup: backup, restore test, retention. One attempt: a failure is notified, and the next day tries again. */
export function backupJobHandler(environment: (db: Database) => BackupEnvironment = configuredEnvironment, options: { restoreTestInChild?: boolean } = {}): JobHandler {
  return async (_job, ctx) => {
    const env = environment(ctx.db);
    // A long-lived server keeps its thread for requests: the restore test (seconds of work) runs in a child process.
    if (options.restoreTestInChild) env.restoreTest ??= (args) => restoreTestInChildProcess(args);
    // A heartbeat is a transaction of its own: PGlite has one connection, held by the snapshot, so there it would
    // wait for the snapshot that waits for it. PGlite is one process, so no other runner can take the job meanwhile.
    if (env.driver !== "pglite") env.onTable = () => ctx.heartbeat();
    await runBackupCycle(env);
  };
}

/** Queues the backup job (at most one queued or running); platform-wide, so it has no organisation. */
export async function enqueueBackupJob(db: Database, now = new Date()): Promise<boolean> {
  const created = await withRunnerScope(db, (tx) =>
    tx.insert(jobs).values({ kind: BACKUP_JOB, orgId: null, dedupeKey: "platform", runAt: now, maxAttempts: 1 }).onConflictDoNothing().returning({ id: jobs.id }),
  );
  return created.length > 0;
}

/** Called by the hourly chores: queues a backup when none was attempted in the last 23 hours. */
export async function scheduleDailyBackup(db: Database, now = new Date()): Promise<boolean> {
  const { lastBackup } = await readBackupStatus(db);
  if (lastBackup && now.getTime() - Date.parse(lastBackup.at) < BACKUP_INTERVAL_MS) return false;
  return enqueueBackupJob(db, now);
}
