import { pruneTagsInUse } from "@/lib/contacts/tags-in-use";
import "server-only";
import { setTimeout as sleep } from "node:timers/promises";
import { pruneIdempotencyKeys } from "@/lib/api/idempotency";
import { purgeExpiredActions } from "@/lib/campaign-actions/retention";
import { archiveAllExpiredEvents } from "@/lib/audit/retention";
import { createOrgKeyArchiveSealer } from "@/lib/audit/sealers";
import { BACKUP_JOB, scheduleDailyBackup } from "@/lib/backup/job";
import type { Config } from "@/lib/config";
import type { Database } from "@/lib/db";
import { queuePacks } from "@/lib/crypto/pack";
import { signInFloodGauge } from "@/lib/auth/flood-gauge";
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
/** The longest that background work waits for a sign-in flood to pass. */
const QUIET_MAX_WAIT_MS = 15 * 60_000;
/** Whether this process is refusing a sign-in flood now (lib/auth/flood-gauge.ts): background work waits while it is. */
const signInFlooded = () => signInFloodGauge().flooded();

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

export type QuietOptions = {
  /** True while a flood is under way (default: this process's sign-in refusals, lib/auth/flood-gauge.ts). */
  flooded?: () => boolean;
  /** How often to look again while flooded. */
  checkEveryMs?: number;
  /** The longest wait: after it the task runs whatever the flood (an attacker cannot put the backup off for good). */
  maxWaitMs?: number;
  /** Ends a wait early (stop); the task is then not run. */
  signal?: AbortSignal;
};

/**
 * Runs `task` once no sign-in flood is under way, waiting at most `maxWaitMs` (15 minutes). Measured (bench/login.ts):
 * the chores, with the daily backup they queue, falling in the middle of a flood raised a real person's login p95 from
 * 1.3-1.5× idle to 1.7-2.1×; they can as well run minutes later. Resolves with how long it waited, or null when aborted.
 */
export async function runWhenQuiet(task: () => Promise<void>, options: QuietOptions = {}): Promise<{ waitedMs: number } | null> {
  const flooded = options.flooded ?? signInFlooded;
  const checkEveryMs = options.checkEveryMs ?? 30_000;
  const maxWaitMs = options.maxWaitMs ?? QUIET_MAX_WAIT_MS;
  const started = Date.now();
  while (flooded() && Date.now() - started < maxWaitMs) {
    try {
      await sleep(Math.min(checkEveryMs, maxWaitMs - (Date.now() - started)), undefined, { signal: options.signal, ref: false });
    } catch {
      return null; // aborted
    }
  }
  if (options.signal?.aborted) return null;
  const waitedMs = Date.now() - started;
  await task();
  return { waitedMs };
}

/**
 * Background work of one process: the job runner (key rotations, archives, backups) and the hourly chores, which wait
 * for a sign-in flood to pass (runWhenQuiet). Runs inside the server in embedded mode and by default elsewhere;
 * `npm run worker` runs it alone.
 */
export function startBackgroundWork(db: Database, config: Config): { stop(): Promise<void> } {
  // The backup (a snapshot that holds an embedded database's one connection while it reads) waits for a flood to pass, like the chores that queue it.
  const runner = startJobRunner(db, {
    handlers: jobHandlers({ store: createBlobStore(config.blob), longLived: true }),
    defer: { kinds: [BACKUP_JOB], flooded: signInFlooded, maxWaitMs: QUIET_MAX_WAIT_MS },
  });
  const stopping = new AbortController();
  let running: Promise<unknown> | null = null;
  const chores = () => {
    // An hour's chores still waiting for a flood to pass are not queued twice.
    if (running) return;
    running = runWhenQuiet(() => runScheduledChores(db, config), { signal: stopping.signal })
      .then((ran) => {
        if (ran && ran.waitedMs > 0) logger.info({ waitedMs: ran.waitedMs }, "scheduled chores waited for a sign-in flood to pass");
      })
      .catch((err: unknown) => logger.error({ err }, "scheduled chores failed"))
      .finally(() => (running = null));
  };
  const first = setTimeout(chores, 30_000);
  const timer = setInterval(chores, HOUR_MS);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      stopping.abort();
      await running;
      await runner.stop();
    },
  };
}
