import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { jobs } from "@/db/schema/jobs";
import type { DatabaseConfig } from "@/lib/config";
import { openDatabase, type DatabaseHandle } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { connectIntegration, getIntegrationCredentials } from "@/lib/integrations/secrets";
import { withRunnerScope } from "@/lib/jobs/queue";
import { runJobsUntilIdle } from "@/lib/jobs/runner";
import { createLocalBlobStore } from "@/lib/storage";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { runUntilKilled } from "@/lib/testing/killed-job";
import { openEncryptedFile, putEncryptedFile } from "./files";
import { setMasterKeyProvider } from "./keyring";
import { ROTATE_DATA_KEY_JOB, getKeyRotationProgress, rotateDataKeyHandler, sealedValuesByKeyVersion, startDataKeyRotation } from "./rotation";
import { createOrganization } from "./test-support";
import { readAll } from "@/lib/streams";

const SECRETS = 23;

describe.each(testBackends())("data-key rotation survives a killed process (%s)", (backend) => {
  let dir: string;
  let pg: TestDatabase | undefined;
  let database: DatabaseConfig;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    setMasterKeyProvider(undefined); // the configured keys: the child process reads the same environment
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-kill-"));
    if (backend === "pglite") database = { kind: "pglite", dataDir: path.join(dir, "db") };
    else {
      pg = await createTestDatabase(backend);
      database = { kind: "pg", url: pg.url! }; // the child reaches the same database directly (this process keeps its driver)
    }
    handle = pg ?? (await openDatabase(database));
  });
  afterAll(async () => {
    await (pg ? pg.drop() : handle?.close().catch(() => undefined));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("resumes from the last committed step after SIGKILL, every value readable at every point", async () => {
    const blobDir = path.join(dir, "blobs");
    const store = createLocalBlobStore(blobDir);
    const orgId = await createOrganization(handle.db);
    await withTenant(handle.db, { orgId }, async (tx) => {
      for (let i = 0; i < SECRETS; i++) await connectIntegration(tx, orgId, { provider: `p${i}`, credentials: { kind: "api_key", apiKey: `key-${i}` } });
    });
    const content = randomBytes(300_000);
    const file = await putEncryptedFile(handle.db, store, { orgId }, content);
    const { jobId } = await startDataKeyRotation(handle.db, orgId);

    if (!pg) await handle.close(); // PGlite: one process at a time
    expect(await runUntilKilled("lib/crypto/rotation-kill-child.ts", { database, blobDir, killAfterSteps: 3 })).toBe("SIGKILL");
    if (!pg) handle = await openDatabase(database); // the dead child's lock is taken over

    const midway = await getKeyRotationProgress(handle.db, orgId);
    expect(midway).toMatchObject({ state: "running", done: 15, activeVersion: 2, retiringVersions: [1] });
    expect(await sealedValuesByKeyVersion(handle.db, orgId)).toEqual({ 1: SECRETS - 15 + 1, 2: 15 });
    const readEverything = async () => {
      await withTenant(handle.db, { orgId }, async (tx) => {
        for (let i = 0; i < SECRETS; i++) expect(await getIntegrationCredentials(tx, orgId, `p${i}`)).toEqual({ kind: "api_key", apiKey: `key-${i}` });
      });
      expect((await readAll((await openEncryptedFile(handle.db, store, { orgId }, file.id)).stream)).equals(content)).toBe(true);
    };
    await readEverything();

    // The killed runner's lease runs out; the next runner continues from the checkpoint.
    await withRunnerScope(handle.db, (tx) => tx.update(jobs).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(jobs.id, jobId)));
    expect(await runJobsUntilIdle(handle.db, { handlers: { [ROTATE_DATA_KEY_JOB]: rotateDataKeyHandler(store) } })).toEqual([
      { id: jobId, kind: ROTATE_DATA_KEY_JOB, outcome: "succeeded" },
    ]);
    expect(await getKeyRotationProgress(handle.db, orgId)).toMatchObject({ state: "succeeded", done: SECRETS + 1, retiringVersions: [] });
    expect(await sealedValuesByKeyVersion(handle.db, orgId)).toEqual({ 2: SECRETS + 1 });
    await readEverything();
  });
});
