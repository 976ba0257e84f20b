import "server-only";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AuditActor } from "@/lib/audit/record";
import { recordAuditEvent } from "@/lib/audit/record";
import type { Config } from "@/lib/config";
import type { Database, DatabaseHandle } from "@/lib/db/client";
import { logger } from "@/lib/log";
import { createMailer } from "@/lib/mail";
import { createBlobStore, createLocalBlobStore, type BlobStore } from "@/lib/storage";
import { applyRetention, listBackupIds, takeBackup } from "./backup";
import { BackupKeyError, BackupTargetError, RestoreRefusedError, RestoreVerificationError } from "./errors";
import { loadBackupKey } from "./key";
import type { BackupManifest } from "./manifest";
import { notifyBackupFailure, type AlertChannels, type BackupFailure } from "./notify";
import { restoreBackup, type RestoreReport } from "./restore";
import { recordBackupOutcome } from "./status";

/** Everything a backup run needs, built from the configuration (tests pass their own stores and channels). */
export type BackupEnvironment = {
  db: Database;
  driver: DatabaseHandle["driver"];
  blobs: BlobStore;
  target: BlobStore;
  backupKey(): Buffer;
  keep: { daily: number; weekly: number };
  channels: AlertChannels;
  /** Where the restore test builds its scratch database (a fresh temporary directory by default). */
  scratchDir?: string;
  onTable?(name: string): Promise<void>;
  /** Runs the restore test; in this process by default, in a child process for a long-lived server (lib/backup/restore-child.ts). */
  restoreTest?: RestoreTest;
};

/** Restores backup `backupId` into the new scratch directory `dir`, verifies it, closes it and reports. */
export type RestoreTest = (args: { backupId: string; dir: string; backupKey: Buffer }) => Promise<RestoreReport>;

export function backupStore(config: Config): BlobStore {
  return config.backup.target.kind === "local" ? createLocalBlobStore(config.backup.target.dir) : createBlobStore(config.blob);
}

export function backupEnvironment(handle: Pick<DatabaseHandle, "db" | "driver">, config: Config): BackupEnvironment {
  return {
    db: handle.db,
    driver: handle.driver,
    blobs: createBlobStore(config.blob),
    target: backupStore(config),
    backupKey: () => loadBackupKey(config),
    keep: { daily: config.backup.keepDaily, weekly: config.backup.keepWeekly },
    channels: { mailer: createMailer(config.mail), webhookUrl: config.alertWebhookUrl, appUrl: config.appUrl },
  };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0]!;

function backupReason(err: unknown): BackupFailure["reason"] {
  if (err instanceof BackupKeyError) return "key";
  if (err instanceof BackupTargetError) return "target";
  return "snapshot";
}

function verifyReason(err: unknown): BackupFailure["reason"] {
  if (err instanceof BackupKeyError) return "key";
  if (err instanceof RestoreRefusedError) return "damaged";
  if (err instanceof RestoreVerificationError) return "verification";
  return "other";
}

async function fail(env: BackupEnvironment, failure: BackupFailure): Promise<void> {
  logger.error({ stage: failure.stage, backupId: failure.backupId, reason: failure.reason }, failure.message);
  await recordBackupOutcome(env.db, failure.stage, { id: failure.backupId, at: failure.at.toISOString(), ok: false, error: failure.message }).catch((err: unknown) =>
    logger.error({ err }, "backup status not recorded"),
  );
  await notifyBackupFailure(env.db, failure, env.channels);
}

/** Takes one backup and records it; a failure is recorded, notified and rethrown. */
export async function backupNow(env: BackupEnvironment, actor: AuditActor = { kind: "system" }): Promise<BackupManifest> {
  const at = new Date();
  let manifest: BackupManifest;
  try {
    manifest = await takeBackup({ db: env.db, driver: env.driver, target: env.target, blobs: env.blobs, backupKey: env.backupKey(), now: at, onTable: env.onTable });
  } catch (err) {
    await fail(env, { stage: "backup", reason: backupReason(err), backupId: null, message: messageOf(err), at });
    throw err;
  }
  await recordBackupOutcome(env.db, "backup", { id: manifest.id, at: manifest.createdAt, ok: true });
  await recordAuditEvent(env.db, {
    actor,
    action: "backup.completed",
    target: { type: "backup", id: manifest.id },
    metadata: { bytes: manifest.ciphertext.bytes, rows: manifest.tables.reduce((n, t) => n + t.rows, 0) },
  });
  return manifest;
}

const restoreInProcess =
  (env: BackupEnvironment): RestoreTest =>
  async ({ backupId, dir, backupKey }) => {
    const { report, handle } = await restoreBackup({ source: { store: env.target, id: backupId }, target: { kind: "dir", dir }, backupKey, blobs: env.blobs });
    await handle.close();
    return report;
  };

/**
 * The restore test: restores a backup (the newest by default) into a scratch PGlite database in a
 * temporary directory, verifies it and throws the scratch away. Recorded, and notified on failure.
 */
export async function verifyBackup(env: BackupEnvironment, id?: string, actor: AuditActor = { kind: "system" }): Promise<RestoreReport> {
  const at = new Date();
  const scratch = fs.mkdtempSync(path.join(env.scratchDir ?? os.tmpdir(), "rampart-restore-test-"));
  let backupId = id ?? null;
  try {
    backupId ??= (await listBackupIds(env.target)).at(-1) ?? null;
    if (!backupId) throw new RestoreRefusedError("There is no backup to verify yet.");
    const restoreTest = env.restoreTest ?? restoreInProcess(env);
    const report = await restoreTest({ backupId, dir: path.join(scratch, "db"), backupKey: env.backupKey() });
    await recordBackupOutcome(env.db, "verify", { id: backupId, at: at.toISOString(), ok: true });
    await recordAuditEvent(env.db, {
      actor,
      action: "backup.verified",
      target: { type: "backup", id: backupId },
      metadata: { rows: report.rows, events: report.events, sealedValues: report.sealedValuesOpened, shreddedCampaigns: report.shreddedCampaigns.length },
    });
    return report;
  } catch (err) {
    await fail(env, { stage: "verify", reason: verifyReason(err), backupId, message: messageOf(err), at });
    throw err;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The daily run: a backup, its restore test, then retention (only after the new backup verified). */
export async function runBackupCycle(env: BackupEnvironment): Promise<{ manifest: BackupManifest; report: RestoreReport; deleted: string[] }> {
  const manifest = await backupNow(env);
  const report = await verifyBackup(env, manifest.id);
  const deleted = await applyRetention(env.target, env.keep);
  return { manifest, report, deleted };
}
