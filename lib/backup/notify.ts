import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { users } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit/record";
import type { Database } from "@/lib/db/client";
import { withSystem } from "@/lib/db/tenant";
import { logger } from "@/lib/log";
import type { Mailer } from "@/lib/mail";

export type BackupFailure = {
  stage: "backup" | "verify";
  reason: "key" | "target" | "snapshot" | "damaged" | "verification" | "other";
  backupId: string | null;
  message: string;
  at: Date;
};

export type AlertChannels = { mailer: Mailer; webhookUrl?: string; appUrl: string };

const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * A failed backup or verification reaches people three ways: an audit event, a mail to every
 * active platform staff account, and a JSON POST to the alert webhook when one is configured.
 * A channel that fails is logged and does not stop the others.
 */
export async function notifyBackupFailure(db: Database, failure: BackupFailure, channels: AlertChannels): Promise<{ mailed: number; webhook: boolean }> {
  await recordAuditEvent(db, {
    actor: { kind: "system" },
    action: "backup.failed",
    target: failure.backupId ? { type: "backup", id: failure.backupId } : null,
    metadata: { stage: failure.stage, reason: failure.reason },
  }).catch((err: unknown) => logger.error({ err }, "backup failure: audit event not recorded"));

  const staff = await withSystem(db, (tx) => tx.select({ email: users.email }).from(users).where(and(eq(users.isStaff, true), isNull(users.disabledAt))));
  const what = failure.stage === "backup" ? "The daily backup failed" : "A backup failed its restore test";
  const text = [
    `${what} at ${failure.at.toISOString()}.`,
    failure.backupId ? `Backup: ${failure.backupId}` : "No backup was written.",
    `Reason: ${failure.message}`,
    "",
    `The backup status is on ${channels.appUrl}/staff`,
  ].join("\n");
  let mailed = 0;
  for (const { email } of staff) {
    try {
      await channels.mailer.send({ to: email, subject: `Rampart: ${what.toLowerCase()}`, text });
      mailed++;
    } catch (err) {
      logger.error({ err }, "backup failure: a staff mail was not sent");
    }
  }

  let webhook = false;
  if (channels.webhookUrl) {
    try {
      const res = await fetch(channels.webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ event: `backup.${failure.stage === "backup" ? "failed" : "verification_failed"}`, backupId: failure.backupId, reason: failure.reason, message: failure.message, at: failure.at.toISOString() }),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      webhook = res.ok;
      if (!res.ok) logger.error({ status: res.status }, "backup failure: the alert webhook refused");
    } catch (err) {
      logger.error({ err }, "backup failure: the alert webhook could not be reached");
    }
  }
  return { mailed, webhook };
}
