import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { auditEvents, jobs, users } from "@/db/schema";
import { withAuditSystemScope } from "@/lib/audit/scope";
import { useTestMasterKeys } from "@/lib/crypto/test-support";
import { withSystem } from "@/lib/db/tenant";
import { withRunnerScope } from "@/lib/jobs/queue";
import type { MailMessage } from "@/lib/mail";
import { createLocalBlobStore, type BlobStore } from "@/lib/storage";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture } from "@/lib/testing/workspace";
import { backupsToDelete } from "./backup";
import { BackupTargetError } from "./errors";
import { BACKUP_JOB, backupJobHandler, enqueueBackupJob, scheduleDailyBackup } from "./job";
import { backupNow, runBackupCycle, type BackupEnvironment } from "./run";
import { backupHealth, lastRestoreTest, readBackupStatus } from "./status";
import { runJobsUntilIdle } from "@/lib/jobs/runner";

describe("backup retention", () => {
  it("keeps the newest backup of each of the last N days and M ISO weeks", () => {
    const ids = ["20250101", "20250102", "20250106", "20250107", "20250107", "20250113", "20250120", "20250121"].map((d, i) => `${d}T0${i}0000Z-00000${i}`);
    expect(backupsToDelete(ids, { daily: 2, weekly: 3 })).toEqual([ids[0], ids[1], ids[2], ids[3]]);
    expect(backupsToDelete(ids, { daily: 1, weekly: 0 })).toEqual(ids.slice(0, 7));
  });
});

/** Each restore migrates a fresh database: slow on a loaded two-core machine. */
const RESTORE_TIMEOUT_MS = 180_000;

describe.each(testBackends())("backup runs and failure notices (%s)", (backend) => {
  let t: TestDatabase;
  let dir: string;
  let blobs: BlobStore;
  let webhook: http.Server;
  let webhookUrl: string;
  const posts: unknown[] = [];
  const mails: MailMessage[] = [];
  let staffEmail: string;

  const env = (target: BlobStore): BackupEnvironment => ({
    db: t.db,
    driver: t.driver,
    blobs,
    target,
    backupKey: () => Buffer.alloc(32, 7),
    keep: { daily: 7, weekly: 4 },
    channels: { mailer: { send: async (m) => void mails.push(m) }, webhookUrl, appUrl: "http://localhost:3000" },
    scratchDir: dir,
  });
  const failedEvents = () =>
    withAuditSystemScope(t.db, (tx) => tx.select({ metadata: auditEvents.metadata }).from(auditEvents).where(eq(auditEvents.action, "backup.failed")));

  beforeAll(async () => {
    useTestMasterKeys(["m1"]);
    t = await createTestDatabase(backend);
    await seedWorkspaceFixture(t.db, "run");
    staffEmail = `staff-${randomBytes(3).toString("hex")}@ops.test`;
    await withSystem(t.db, (tx) => tx.insert(users).values({ email: staffEmail, name: "Ops", isStaff: true }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-backup-run-"));
    blobs = createLocalBlobStore(path.join(dir, "blobs"));
    webhook = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        posts.push(JSON.parse(body));
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    webhookUrl = `http://127.0.0.1:${(webhook.address() as { port: number }).port}/alerts`;
  });
  afterAll(async () => {
    await t?.drop();
    await new Promise((resolve) => webhook?.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  }, RESTORE_TIMEOUT_MS);

  it("mails staff, posts to the webhook and records the failure when the backup target is unwritable", async () => {
    const file = path.join(dir, "not-a-directory");
    fs.writeFileSync(file, "");
    const refused = await backupNow(env(createLocalBlobStore(file))).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BackupTargetError);
    expect(mails.map((m) => m.to)).toEqual([staffEmail]);
    expect(mails[0]!.subject).toBe("Rampart: the daily backup failed");
    expect(mails[0]!.text).toContain("The backup target could not be written");
    expect(posts).toEqual([expect.objectContaining({ event: "backup.failed", reason: "target", backupId: null })]);
    expect(await failedEvents()).toEqual([{ metadata: { stage: "backup", reason: "target" } }]);
    const status = await readBackupStatus(t.db);
    expect(status.lastBackup).toMatchObject({ ok: false });
    expect(status.lastOk).toBeUndefined();
    expect(await backupHealth(t.db)).toEqual({ lastOk: null, ageHours: null, status: "degraded" });
  }, RESTORE_TIMEOUT_MS);

  it("backs up, restore-tests and records the run; health turns degraded after 26 hours", async () => {
    const target = createLocalBlobStore(path.join(dir, "backups"));
    const { manifest, report } = await runBackupCycle(env(target));
    expect(report.id).toBe(manifest.id);
    const status = await readBackupStatus(t.db);
    expect(status.lastOk?.id).toBe(manifest.id);
    expect(status.lastVerifiedOk?.id).toBe(manifest.id);
    expect(await lastRestoreTest(t.db)).toEqual({ at: expect.any(String), ok: true });
    expect((await backupHealth(t.db)).status).toBe("ok");
    expect((await backupHealth(t.db, new Date(Date.now() + 27 * 3_600_000))).status).toBe("degraded");
    expect(fs.readdirSync(dir).filter((n) => n.startsWith("rampart-restore-test-"))).toEqual([]);
  }, RESTORE_TIMEOUT_MS);

  it("runs the daily job through the job runner to the end, on every backend (no lease heartbeat inside PGlite's one connection)", { timeout: RESTORE_TIMEOUT_MS }, async () => {
    const target = createLocalBlobStore(path.join(dir, "job-target"));
    await enqueueBackupJob(t.db); // or one an earlier test queued: either way one backup job waits
    const outcomes = await runJobsUntilIdle(t.db, { handlers: { [BACKUP_JOB]: backupJobHandler(() => env(target)) }, leaseSeconds: 30 });
    expect(outcomes.map((o) => o.outcome)).toEqual(["succeeded"]);
    expect((await readBackupStatus(t.db)).lastVerify?.ok).toBe(true);
  });

  it("queues the daily backup job once a day", async () => {
    const now = new Date();
    expect(await scheduleDailyBackup(t.db, now)).toBe(false);
    expect(await scheduleDailyBackup(t.db, new Date(now.getTime() + 24 * 3_600_000))).toBe(true);
    expect(await scheduleDailyBackup(t.db, new Date(now.getTime() + 24 * 3_600_000))).toBe(false);
    const queued = await withRunnerScope(t.db, (tx) => tx.select().from(jobs).where(and(eq(jobs.kind, BACKUP_JOB), eq(jobs.state, "queued"))));
    expect(queued).toHaveLength(1);
  }, RESTORE_TIMEOUT_MS);
});
