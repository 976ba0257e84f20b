import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { auditEvents } from "@/db/schema";
import { withAuditSystemScope } from "@/lib/audit/scope";
import { createContact } from "@/lib/contacts/commands";
import { withTenant } from "@/lib/db/tenant";
import { useTestMasterKeys } from "@/lib/crypto/test-support";
import { runJobsUntilIdle } from "@/lib/jobs/runner";
import { createLocalBlobStore, type BlobStore } from "@/lib/storage";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture } from "@/lib/testing/workspace";
import { RestoreRefusedError } from "./errors";
import { BACKUP_JOB, backupJobHandler, enqueueBackupJob } from "./job";
import { restoreTestChildMain, restoreTestInChildProcess } from "./restore-child";
import { backupNow, verifyBackup, type BackupEnvironment } from "./run";
import { readBackupStatus } from "./status";

/** Each restore migrates a fresh database, here in a child process that loads the code first: slow on a loaded machine. */
const TIMEOUT_MS = 240_000;

describe("the restore test in a child process (a long-lived server keeps its thread)", () => {
  let t: TestDatabase;
  let dir: string;
  let blobs: BlobStore;
  let target: BlobStore;
  const savedKeys = process.env.RAMPART_MASTER_KEYS;
  const backupKey = Buffer.alloc(32, 9);

  const env = (extra: Partial<BackupEnvironment> = {}): BackupEnvironment => ({
    db: t.db,
    driver: t.driver,
    blobs,
    target,
    backupKey: () => backupKey,
    keep: { daily: 7, weekly: 4 },
    channels: { mailer: { send: async () => undefined }, appUrl: "http://localhost:3000" },
    scratchDir: dir,
    ...extra,
  });
  const stores = () => ({ target: path.join(dir, "target"), blobs: path.join(dir, "blobs") });

  beforeAll(async () => {
    // The child takes its master keys from the configuration, as the server's own child would.
    const keys = useTestMasterKeys(["child1"]);
    process.env.RAMPART_MASTER_KEYS = keys.map((k) => `${k.id}:${k.key.toString("base64")}`).join(",");
    t = await createTestDatabase("pglite");
    const f = await seedWorkspaceFixture(t.db, "child");
    // Sealed values for the restore test to open: without the master keys the child would fail on them.
    for (const name of ["Ada Lovelace", "Bo Diddley"])
      await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, (tx) => createContact(tx, { orgId: f.orgA, userId: f.admin, role: "admin" }, { name, email: `${name.split(" ")[0]!.toLowerCase()}@example.org` }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-restore-child-"));
    blobs = createLocalBlobStore(stores().blobs);
    target = createLocalBlobStore(stores().target);
  }, TIMEOUT_MS);
  afterAll(async () => {
    if (savedKeys === undefined) delete process.env.RAMPART_MASTER_KEYS;
    else process.env.RAMPART_MASTER_KEYS = savedKeys;
    await t?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reports exactly what the in-process restore test reports, and records the verification the same way", { timeout: TIMEOUT_MS }, async () => {
    const manifest = await backupNow(env());
    const inProcess = await verifyBackup(env(), manifest.id);
    let priority: number | undefined;
    const viaChild = await verifyBackup(
      env({ restoreTest: (args) => restoreTestInChildProcess({ ...args, stores: stores() }, { onSpawn: (pid) => (priority = os.getPriority(pid)) }) }),
      manifest.id,
    );
    expect(priority).toBe(os.constants.priority.PRIORITY_LOW); // background work yields the CPU to requests
    expect(viaChild).toEqual(inProcess);
    expect(viaChild.sealedValuesOpened).toBeGreaterThan(0);
    expect(viaChild.events).toBeGreaterThan(0);
    const verified = await withAuditSystemScope(t.db, (tx) => tx.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.action, "backup.verified")));
    expect(verified).toHaveLength(2);
    expect((await readBackupStatus(t.db)).lastVerify).toMatchObject({ id: manifest.id, ok: true });
    expect(fs.readdirSync(dir).filter((n) => n.startsWith("rampart-restore-test-"))).toEqual([]);
  });

  it("brings a damaged backup's refusal back as the same error, recorded as a failed verification", { timeout: TIMEOUT_MS }, async () => {
    const manifest = await backupNow(env());
    const files = fs.readdirSync(stores().target, { recursive: true, withFileTypes: true }).filter((f) => f.isFile() && f.name.includes(manifest.id));
    const largest = files.map((f) => path.join(f.parentPath, f.name)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
    const bytes = fs.readFileSync(largest);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    fs.writeFileSync(largest, bytes);
    const refused = await verifyBackup(env({ restoreTest: (args) => restoreTestInChildProcess({ ...args, stores: stores() }) }), manifest.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RestoreRefusedError);
    expect((await readBackupStatus(t.db)).lastVerify).toMatchObject({ id: manifest.id, ok: false });
  });

  it("is what the daily job uses in a long-lived server or worker: stores from the configuration, as the server's", { timeout: TIMEOUT_MS }, async () => {
    const saved = { RAMPART_DATA_DIR: process.env.RAMPART_DATA_DIR, RAMPART_BACKUP_DIR: process.env.RAMPART_BACKUP_DIR };
    // The configuration the child reads: blobs under RAMPART_DATA_DIR/blobs, backups in RAMPART_BACKUP_DIR (the stores above).
    Object.assign(process.env, { RAMPART_DATA_DIR: dir, RAMPART_BACKUP_DIR: stores().target });
    try {
      await enqueueBackupJob(t.db);
      const handler = backupJobHandler(() => env(), { restoreTestInChild: true });
      const outcomes = await runJobsUntilIdle(t.db, { handlers: { [BACKUP_JOB]: handler }, leaseSeconds: 60 });
      expect(outcomes.map((o) => o.outcome)).toEqual(["succeeded"]);
      expect((await readBackupStatus(t.db)).lastVerify?.ok).toBe(true);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("refuses malformed input in the child before touching anything", async () => {
    for (const stdin of ["", "not json", JSON.stringify({ backupId: "x", dir: "/tmp/x", backupKey: "%%%" }), JSON.stringify({ backupId: "x", dir: "/tmp/x", backupKey: "AAAA", extra: 1 })]) {
      expect(await restoreTestChildMain(stdin)).toMatchObject({ ok: false, kind: "other" });
    }
  });
});
