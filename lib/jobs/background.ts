import { pruneTagsInUse } from "@/lib/contacts/tags-in-use";
import "server-only";
import { pruneIdempotencyKeys } from "@/lib/api/idempotency";
import { purgeExpiredActions } from "@/lib/campaign-actions/retention";
import { archiveAllExpiredEvents } from "@/lib/audit/retention";
import { createOrgKeyArchiveSealer } from "@/lib/audit/sealers";
import { scheduleDailyBackup } from "@/lib/backup/job";
import type { Config } from "@/lib/config";
import type { Database } from "@/lib/db";
import { queuePacks } from "@/lib/crypto/pack";
import { sweepAllImports } from "@/lib/imports/sweep";
import { queueDuePushes } from "@/lib/integrations/push";
import { logger } from "@/lib/log";
import { createMailer } from "@/lib/mail";
import { mailOwnersAboutPolicyChanges } from "@/lib/policies/notices";
import { pruneRateLimitHits } from "@/lib/ratelimit";
import { createBlobStore } from "@/lib/storage";
import { jobHandlers } from "./handlers";
import { startJobRunner } from "./runner";

const HOUR_MS = 60 * 60 * 1000;

/** The periodic chores: archive audit events past each campaign's window, purge expired trash, queue the packing of rows sealed per column, drop dead rate-limit counters and API idempotency answers, mail owners about new policy versions, queue the daily backup, delete expired import files, queue integration outcomes due again. */
export async function runScheduledChores(db: Database, config: Config, now = new Date()): Promise<void> {
  const store = createBlobStore(config.blob);
  const sweep = await archiveAllExpiredEvents(db, store, createOrgKeyArchiveSealer(db), { now });
  if (sweep.failures.length) logger.warn({ failures: sweep.failures.length }, "audit archive sweep: some chains were not archived");
  const purge = await purgeExpiredActions(db, now);
  if (purge.failures.length) logger.warn({ failures: purge.failures.length }, "trash purge: some campaigns were not purged");
  await pruneRateLimitHits(db, config.auth.loginLimitWindowSeconds * 1000 * 4, now.getTime());
  await pruneIdempotencyKeys(db, now);
  const policyMail = await mailOwnersAboutPolicyChanges(db, { mailer: createMailer(config.mail), appUrl: config.appUrl });
  if (policyMail.failed) logger.warn({ failed: policyMail.failed }, "policy change mail: some owners were not mailed; retried next hour");
  if (await scheduleDailyBackup(db, now)) logger.info("daily backup queued");
  const imports = await sweepAllImports(db, store, now);
  if (imports.uploads + imports.results + imports.history) logger.info(imports, "import sweep: expired files and history deleted");
  const tags = await pruneTagsInUse(db);
  if (tags.failures.length) logger.warn({ failures: tags.failures.length }, "tag menu sweep: some campaigns were not swept");
  const packs = await queuePacks(db);
  if (packs.queued) logger.info({ campaigns: packs.queued }, "contacts in the per-column form: pack jobs queued");
  if (packs.failures.length) logger.warn({ failures: packs.failures.length }, "pack check: some campaigns were not checked");
  const pushes = await queueDuePushes(db, now);
  if (pushes) logger.info({ campaigns: pushes }, "integration outcomes due again: push jobs queued");
}

/**
 * Background work of one process: the job runner (key rotations, archives, backups) and the hourly chores.
 * Runs inside the server in embedded mode and by default elsewhere; `npm run worker` runs it alone.
 */
export function startBackgroundWork(db: Database, config: Config): { stop(): Promise<void> } {
  const runner = startJobRunner(db, { handlers: jobHandlers({ store: createBlobStore(config.blob), longLived: true }) });
  const chores = async () => {
    try {
      await runScheduledChores(db, config);
    } catch (err) {
      logger.error({ err }, "scheduled chores failed");
    }
  };
  const first = setTimeout(() => void chores(), 30_000);
  const timer = setInterval(() => void chores(), HOUR_MS);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await runner.stop();
    },
  };
}
