import "server-only";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { systemMeta } from "@/db/schema";
import type { Database } from "@/lib/db/client";

/** Backup outcomes kept in system_meta: what /staff, /api/health and /security read. */
const STATUS_KEY = "backup.status";
/** A backup older than this turns health to degraded: one missed daily run plus two hours of slack. */
export const BACKUP_MAX_AGE_HOURS = 26;

const outcome = z.object({ id: z.string().nullable(), at: z.string(), ok: z.boolean(), error: z.string().optional() });
const statusSchema = z.object({
  lastBackup: outcome.optional(),
  lastOk: outcome.optional(),
  lastVerify: outcome.optional(),
  lastVerifiedOk: outcome.optional(),
});
export type BackupStatus = z.infer<typeof statusSchema>;
export type BackupOutcome = z.infer<typeof outcome>;

export async function readBackupStatus(db: Database): Promise<BackupStatus> {
  const [row] = await db.select({ value: systemMeta.value }).from(systemMeta).where(eq(systemMeta.key, STATUS_KEY));
  const parsed = statusSchema.safeParse(row?.value ?? {});
  return parsed.success ? parsed.data : {};
}

/** Records one backup or verification outcome (the newest wins; the last success is kept apart). */
export async function recordBackupOutcome(db: Database, stage: "backup" | "verify", result: BackupOutcome, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.select({ value: systemMeta.value }).from(systemMeta).where(eq(systemMeta.key, STATUS_KEY)).for("update");
    const current = statusSchema.safeParse(row?.value ?? {});
    const next: BackupStatus = { ...(current.success ? current.data : {}) };
    const stored = { ...result, error: result.error?.slice(0, 500) };
    if (stage === "backup") {
      next.lastBackup = stored;
      if (result.ok) next.lastOk = stored;
    } else {
      next.lastVerify = stored;
      if (result.ok) next.lastVerifiedOk = stored;
    }
    await tx
      .insert(systemMeta)
      .values({ key: STATUS_KEY, value: next, updatedAt: now })
      .onConflictDoUpdate({ target: systemMeta.key, set: { value: next, updatedAt: now } });
  });
}

export type BackupHealth = { lastOk: string | null; ageHours: number | null; status: "ok" | "degraded" };

/** For /api/health: the last good backup and its age; degraded when there is none or it is older than 26 hours. */
export async function backupHealth(db: Database, now = new Date()): Promise<BackupHealth> {
  const { lastOk } = await readBackupStatus(db);
  if (!lastOk) return { lastOk: null, ageHours: null, status: "degraded" };
  const ageHours = Math.round(((now.getTime() - Date.parse(lastOk.at)) / 3_600_000) * 10) / 10;
  return { lastOk: lastOk.at, ageHours, status: ageHours > BACKUP_MAX_AGE_HOURS ? "degraded" : "ok" };
}

/** For /security: when a backup was last restored and verified, and whether that worked. */
export async function lastRestoreTest(db: Database): Promise<{ at: string; ok: boolean } | null> {
  const { lastVerify } = await readBackupStatus(db);
  return lastVerify ? { at: lastVerify.at, ok: lastVerify.ok } : null;
}
