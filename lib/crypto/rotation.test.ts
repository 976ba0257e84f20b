import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { integrationSecrets } from "@/db/schema/crypto";
import { jobs } from "@/db/schema/jobs";
import { asOwner } from "@/lib/audit/test-helpers";
import { withTenant } from "@/lib/db/tenant";
import { connectIntegration, getIntegrationCredentials } from "@/lib/integrations/secrets";
import { withRunnerScope } from "@/lib/jobs/queue";
import { runJobsUntilIdle, runNextJob } from "@/lib/jobs/runner";
import { afterSteps } from "@/lib/testing/job-steps";
import { createLocalBlobStore, type BlobStore } from "@/lib/storage";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { listOrganizationKeys } from "./data-keys";
import { KeyUnavailableError } from "./errors";
import { decryptField, encryptField } from "./fields";
import { openEncryptedFile, putEncryptedFile } from "./files";
import { ROTATE_DATA_KEY_JOB, getKeyRotationProgress, rotateDataKeyHandler, sealedValuesByKeyVersion, startDataKeyRotation, startDataKeyRotationIn } from "./rotation";
import { shredOrganizationKeys } from "./shred";
import { createLocalMasterKeyProvider, setMasterKeyProvider } from "./keyring";
import { rotateMasterKeys } from "./master-rotation";
import { createOrganization, useTestMasterKeys } from "./test-support";
import { readAll } from "@/lib/streams";

const SECRETS = 25;
const secretOf = (i: number) => `sk_live_${i}_${"q".repeat(20)}`;
const provider = (i: number) => `provider-${String(i).padStart(2, "0")}`;

describe.each(testBackends())("data-key rotation and crypto-shredding (%s)", (backend) => {
  let t: TestDatabase;
  let blobDir: string;
  let store: BlobStore;
  let m1: { id: string; key: Buffer };

  beforeAll(async () => {
    [m1] = useTestMasterKeys(["m1"]) as [{ id: string; key: Buffer }];
    t = await createTestDatabase(backend);
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-rotation-"));
    store = createLocalBlobStore(blobDir);
  });
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  async function seed(orgId: string) {
    await withTenant(t.db, { orgId }, async (tx) => {
      for (let i = 0; i < SECRETS; i++) await connectIntegration(tx, orgId, { provider: provider(i), credentials: { kind: "api_key", apiKey: secretOf(i) } });
    });
    const files = [randomBytes(700_000), randomBytes(1), Buffer.alloc(0)];
    const ids = [];
    for (const f of files) ids.push((await putEncryptedFile(t.db, store, { orgId }, f)).id);
    return { files, ids };
  }

  async function everythingReadable(orgId: string, files: Buffer[], ids: string[]) {
    await withTenant(t.db, { orgId }, async (tx) => {
      for (let i = 0; i < SECRETS; i++) expect(await getIntegrationCredentials(tx, orgId, provider(i))).toEqual({ kind: "api_key", apiKey: secretOf(i) });
    });
    for (const [i, id] of ids.entries()) expect((await readAll((await openEncryptedFile(t.db, store, { orgId }, id)).stream)).equals(files[i]!)).toBe(true);
  }

  const expireLease = (id: string) =>
    withRunnerScope(t.db, (tx) => tx.update(jobs).set({ lockedUntil: sql`now() - interval '1 second'`, runAt: sql`now()` }).where(eq(jobs.id, id)));

  it("records the start in the activity log in the start's own transaction, once, with the person who started it", async () => {
    const orgId = await createOrganization(t.db);
    const personId = randomUUID();
    const startEvents = () =>
      asOwner<{ actor_kind: string; actor_id: string | null; metadata: { phase: string; version: number } }>(
        t,
        `select actor_kind, actor_id, metadata from audit_events where org_id = '${orgId}' and action = 'key.data_rotated'`,
      );
    await expect(
      withTenant(t.db, { orgId }, async (tx) => {
        await startDataKeyRotationIn(tx, orgId, { actor: { kind: "member", id: personId } });
        throw new Error("the caller's change failed");
      }),
    ).rejects.toThrow("the caller's change failed");
    expect(await startEvents()).toEqual([]);
    expect((await getKeyRotationProgress(t.db, orgId)).state).toBe("idle");

    await withTenant(t.db, { orgId }, (tx) => startDataKeyRotationIn(tx, orgId, { actor: { kind: "member", id: personId } }));
    await startDataKeyRotation(t.db, orgId); // already running: nothing new to record
    expect(await startEvents()).toEqual([{ actor_kind: "member", actor_id: personId, metadata: { phase: "started", version: 2 } }]);
    await runJobsUntilIdle(t.db, { handlers: { [ROTATE_DATA_KEY_JOB]: rotateDataKeyHandler(store) } });
  });

  it("re-encrypts rows and files in resumable steps, keeps reads working, then retires the old key", async () => {
    const orgId = await createOrganization(t.db);
    const { files, ids } = await seed(orgId);
    const oldCiphertext = await withTenant(t.db, { orgId }, (tx) => encryptField({ tx, orgId, table: "probe", column: "value", rowId: "1" }, "under v1"));
    expect(await sealedValuesByKeyVersion(t.db, orgId)).toEqual({ 1: SECRETS + files.length });
    expect((await getKeyRotationProgress(t.db, orgId)).state).toBe("idle");

    const started = await startDataKeyRotation(t.db, orgId);
    expect(started).toMatchObject({ version: 2, started: true });
    expect(await startDataKeyRotation(t.db, orgId)).toEqual({ jobId: started.jobId, version: 2, started: false });
    expect(await getKeyRotationProgress(t.db, orgId)).toMatchObject({ state: "queued", activeVersion: 2, retiringVersions: [1], done: 0, total: SECRETS + files.length });

    // New writes use the new version at once.
    await withTenant(t.db, { orgId }, (tx) => connectIntegration(tx, orgId, { provider: "fresh", credentials: { kind: "oauth", accessToken: "tok" } }));
    expect((await sealedValuesByKeyVersion(t.db, orgId))[2]).toBe(1);

    // Crash after two committed steps of 10 rows: the runner stops without releasing its lease.
    const crash = new AbortController();
    const handler = rotateDataKeyHandler(store, { rowsPerStep: 10 });
    const crashing = afterSteps(handler, 2, () => crash.abort());
    expect((await runNextJob(t.db, { handlers: { [ROTATE_DATA_KEY_JOB]: crashing }, signal: crash.signal }))?.outcome).toBe("interrupted");
    const midway = await getKeyRotationProgress(t.db, orgId);
    expect(midway).toMatchObject({ state: "running", done: 20, retiringVersions: [1] });
    expect(midway.percent).toBeGreaterThan(0);
    expect(await sealedValuesByKeyVersion(t.db, orgId)).toEqual({ 1: SECRETS - 20 + files.length, 2: 21 });
    await everythingReadable(orgId, files, ids); // mixed versions read fine mid-way

    // Another runner takes over once the lease has expired and finishes from the checkpoint.
    expect(await runNextJob(t.db, { handlers: { [ROTATE_DATA_KEY_JOB]: handler } })).toBeNull();
    await expireLease(started.jobId);
    expect(await runJobsUntilIdle(t.db, { handlers: { [ROTATE_DATA_KEY_JOB]: handler } })).toEqual([
      { id: started.jobId, kind: ROTATE_DATA_KEY_JOB, outcome: "succeeded" },
    ]);

    expect(await getKeyRotationProgress(t.db, orgId)).toMatchObject({ state: "succeeded", percent: 100, done: SECRETS + files.length, retiringVersions: [] });
    expect(await sealedValuesByKeyVersion(t.db, orgId)).toEqual({ 2: SECRETS + 1 + files.length });
    await everythingReadable(orgId, files, ids);
    const keys = await withTenant(t.db, { orgId }, (tx) => listOrganizationKeys(tx, orgId));
    expect(keys.filter((k) => k.kind === "data").map((k) => [k.version, k.status, k.masterKeyId])).toEqual([
      [1, "retired", null],
      [2, "active", "m1"],
    ]);
    expect(await store.list(`org/${orgId}/`)).toHaveLength(files.length); // old blobs removed

    const err = await withTenant(t.db, { orgId }, (tx) => decryptField({ tx, orgId, table: "probe", column: "value", rowId: "1" }, oldCiphertext)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyUnavailableError);
    expect((err as Error).message).toMatch(/version 1 of organisation .* was retired on/);
  });

  it("retries after a failure while re-encrypting a file, leaving no stray blob, and completes", async () => {
    const orgId = await createOrganization(t.db);
    const { files, ids } = await seed(orgId);
    let failPuts = 1;
    const flaky: BlobStore = {
      ...store,
      put: async (key, data) => {
        if (failPuts-- > 0) {
          await (data as ReadableStream<Uint8Array>).cancel();
          throw new Error("disk full");
        }
        return store.put(key, data);
      },
    };
    const { jobId } = await startDataKeyRotation(t.db, orgId);
    const handlers = { [ROTATE_DATA_KEY_JOB]: rotateDataKeyHandler(flaky) };
    expect((await runNextJob(t.db, { handlers }))?.outcome).toBe("retrying");
    expect(await getKeyRotationProgress(t.db, orgId)).toMatchObject({ state: "queued", done: SECRETS, lastError: "Error" });
    expect(await store.list(`org/${orgId}/`)).toHaveLength(files.length);
    await everythingReadable(orgId, files, ids);
    await expireLease(jobId);
    expect((await runNextJob(t.db, { handlers }))?.outcome).toBe("succeeded");
    expect(await sealedValuesByKeyVersion(t.db, orgId)).toEqual({ 2: SECRETS + files.length });
    await everythingReadable(orgId, files, ids);
  });

  it("shreds an organisation: its fields and files become unreadable and it cannot encrypt again", async () => {
    const orgId = await createOrganization(t.db);
    const survivor = await createOrganization(t.db);
    const { ids } = await seed(orgId);
    const other = await seed(survivor);
    const { jobId } = await startDataKeyRotation(t.db, orgId);
    const row = await withTenant(t.db, { orgId }, async (tx) => (await tx.select().from(integrationSecrets).where(eq(integrationSecrets.provider, provider(0))))[0]!);

    expect((await shredOrganizationKeys(t.db, orgId)).destroyedKeys).toBe(3); // data v1 (retiring), data v2, index v1

    const destroyed = /were destroyed \(crypto-shredded\)/;
    await expect(withTenant(t.db, { orgId }, (tx) => getIntegrationCredentials(tx, orgId, provider(0)))).rejects.toThrow(destroyed);
    await expect(
      withTenant(t.db, { orgId }, (tx) => decryptField({ tx, orgId, table: "integration_secrets", column: "credentials", rowId: row.id }, row.credentials)),
    ).rejects.toThrow(KeyUnavailableError);
    for (const id of ids) await expect(openEncryptedFile(t.db, store, { orgId }, id)).rejects.toThrow(destroyed);
    await expect(withTenant(t.db, { orgId }, (tx) => connectIntegration(tx, orgId, { provider: "new", credentials: { kind: "api_key", apiKey: "k" } }))).rejects.toThrow(destroyed);
    await expect(startDataKeyRotation(t.db, orgId)).rejects.toThrow(destroyed);
    expect(await getKeyRotationProgress(t.db, orgId)).toMatchObject({ state: "failed", jobId, activeVersion: null });
    const keys = await withTenant(t.db, { orgId }, (tx) => listOrganizationKeys(tx, orgId));
    expect(keys.every((k) => k.status === "destroyed" && k.masterKeyId === null)).toBe(true);

    // Another organisation is untouched.
    await everythingReadable(survivor, other.files, other.ids);
  });

  it("re-wraps every organisation's keys under a new master key, old one readable until the run ends", async () => {
    const orgs = [await createOrganization(t.db), await createOrganization(t.db)];
    const seeded = [];
    for (const orgId of orgs) seeded.push(await seed(orgId));
    const m2 = { id: "m2", key: randomBytes(32) };
    try {
      // Before re-wrapping, a process that lost m1 cannot read: the error names the missing key.
      setMasterKeyProvider(createLocalMasterKeyProvider([m2], "test"));
      await expect(withTenant(t.db, { orgId: orgs[0]! }, (tx) => getIntegrationCredentials(tx, orgs[0]!, provider(0)))).rejects.toThrow(/Master key "m1" is not configured/);

      setMasterKeyProvider(createLocalMasterKeyProvider([m2, m1], "test"));
      const progress: number[] = [];
      const result = await rotateMasterKeys(t.db, (done) => progress.push(done));
      expect(result.newest).toBe("m2");
      expect(result.rewrapped).toBeGreaterThanOrEqual(orgs.length * 2);
      expect(Object.keys(result.usage)).toEqual(["m2"]);
      expect(progress.at(-1)).toBe(result.organizations);
      expect((await rotateMasterKeys(t.db)).rewrapped).toBe(0); // idempotent

      setMasterKeyProvider(createLocalMasterKeyProvider([m2], "test")); // m1 can now be removed
      for (const [i, orgId] of orgs.entries()) await everythingReadable(orgId, seeded[i]!.files, seeded[i]!.ids);
    } finally {
      setMasterKeyProvider(createLocalMasterKeyProvider([m2, m1], "test"));
    }
  });

  it("starts one rotation when two owners ask at once, even for an organisation without keys yet", async () => {
    for (const withData of [false, true]) {
      const orgId = await createOrganization(t.db);
      if (withData) await withTenant(t.db, { orgId }, (tx) => encryptField({ tx, orgId, table: "x", column: "y", rowId: "z" }, "v"));
      const [a, b] = await Promise.all([startDataKeyRotation(t.db, orgId), startDataKeyRotation(t.db, orgId)]);
      expect(a.jobId).toBe(b.jobId);
      expect([a.started, b.started].sort()).toEqual([false, true]);
      expect([a.version, b.version]).toEqual([2, 2]);
      await runJobsUntilIdle(t.db, { handlers: { [ROTATE_DATA_KEY_JOB]: rotateDataKeyHandler(store) } });
      expect(await getKeyRotationProgress(t.db, orgId)).toMatchObject({ state: "succeeded", activeVersion: 2 });
    }
  });

  it("shreds an organisation that never encrypted anything, so it cannot start later", async () => {
    const orgId = await createOrganization(t.db);
    expect((await shredOrganizationKeys(t.db, orgId)).destroyedKeys).toBe(0);
    await expect(withTenant(t.db, { orgId }, (tx) => encryptField({ tx, orgId, table: "x", column: "y", rowId: "z" }, "v"))).rejects.toThrow(KeyUnavailableError);
  });
});
