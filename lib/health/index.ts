import "server-only";
import { BACKUP_MAX_AGE_HOURS, backupHealth, type BackupHealth } from "@/lib/backup/status";
import { getConfig } from "@/lib/config";
import { getDb, type Database } from "@/lib/db";
import { pingDatabase } from "@/lib/db/client";
import { sharedRedisClient } from "@/lib/ratelimit/redis";
import { createBlobStore } from "@/lib/storage";

export type ComponentCheck = { status: "ok" | "error"; kind: string; latencyMs?: number };
export type BackupCheck = { status: "ok" | "error"; kind: "backup"; lastOk: string | null; ageHours: number | null };
export type Readiness = { status: "ready" | "not_ready"; checks: { database: ComponentCheck; rateLimits: ComponentCheck; files: ComponentCheck } };
export type Health = { status: "ok" | "degraded"; checks: Readiness["checks"] & { backup?: BackupCheck } };

/** What the backup area reports (lib/backup's `backupHealth(db)`): the last good backup, null until one exists. */
export type BackupHealthSource = (db: Database) => Promise<Pick<BackupHealth, "lastOk" | "ageHours">>;

async function timed(kind: string, probe: () => Promise<void>, timeoutMs = 3000): Promise<ComponentCheck> {
  const start = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      }),
    ]);
    return { status: "ok", kind, latencyMs: Math.round(performance.now() - start) };
  } catch {
    return { status: "error", kind };
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness: the process answers. No dependency is touched, so a database outage never gets the process restarted. */
export function checkLiveness(): { status: "ok"; uptimeSeconds: number } {
  return { status: "ok", uptimeSeconds: Math.round(process.uptime()) };
}

/** Readiness: database, rate limiter and files answer. Kinds and latencies only, never URLs, keys or error text. */
export async function checkReadiness(): Promise<Readiness> {
  const config = getConfig();
  const { rateLimit } = config;
  const [database, rateLimits, files] = await Promise.all([
    timed(config.database.kind, async () => pingDatabase(await getDb())),
    // The PostgreSQL limiter lives in the database checked above; Upstash REST is checked on use.
    rateLimit.kind === "redis" ? timed("redis", async () => void (await sharedRedisClient(rateLimit.url).ping())) : Promise.resolve<ComponentCheck>({ status: "ok", kind: rateLimit.kind }),
    timed(config.blob.kind, async () => void (await createBlobStore(config.blob).exists("health/probe"))),
  ]);
  const checks = { database, rateLimits, files };
  return { status: Object.values(checks).every((c) => c.status === "ok") ? "ready" : "not_ready", checks };
}

/** The backup component: an error only when a good backup exists and is too old, so a fresh install starts healthy. */
export async function checkBackup(source: BackupHealthSource, db: Database): Promise<BackupCheck> {
  try {
    const { lastOk, ageHours } = await source(db);
    const stale = ageHours !== null && ageHours > BACKUP_MAX_AGE_HOURS;
    return { status: stale ? "error" : "ok", kind: "backup", lastOk, ageHours: ageHours === null ? null : Math.round(ageHours * 10) / 10 };
  } catch {
    return { status: "error", kind: "backup", lastOk: null, ageHours: null };
  }
}

/**
 * /api/health: `{"status":"ok"|"degraded", checks}`, the readiness checks plus the backup component (lib/backup's
 * record of the last good backup; tests pass their own source).
 */
export async function checkHealth(options: { backup?: BackupHealthSource } = { backup: backupHealth }): Promise<Health> {
  const readiness = await checkReadiness();
  const checks: Health["checks"] = { ...readiness.checks };
  if (options.backup && readiness.checks.database.status === "ok") checks.backup = await checkBackup(options.backup, await getDb());
  const status = Object.values(checks).every((c) => c.status === "ok") ? "ok" : "degraded";
  return { status, checks };
}
