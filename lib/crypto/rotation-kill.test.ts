import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { jobs } from "@/db/schema/jobs";
import { withTenant } from "@/lib/db/tenant";
import { connectIntegration, getIntegrationCredentials } from "@/lib/integrations/secrets";
import { withRunnerScope } from "@/lib/jobs/queue";
import { runJobsUntilIdle } from "@/lib/jobs/runner";
import { createLocalBlobStore } from "@/lib/storage";
import { testBackends } from "@/lib/testing/databases";
import { openKillTestDatabase, type KillTestDatabase } from "@/lib/testing/killed-job";
import { openEncryptedFile, putEncryptedFile } from "./files";
import { setMasterKeyProvider } from "./keyring";
import { ROTATE_DATA_KEY_JOB, getKeyRotationProgress, rotateDataKeyHandler, sealedValuesByKeyVersion, startDataKeyRotation } from "./rotation";
import { createOrganization } from "./test-support";
import { readAll } from "@/lib/streams";

const SECRETS = 23;

describe.each(testBackends())("data-key rotation survives a killed process (%s)", (backend) => {
  let k: KillTestDatabase;

  beforeAll(async () => {
    setMasterKeyProvider(undefined); // the configured keys: the child process reads the same environment
    k = await openKillTestDatabase(backend);
  });
  afterAll(() => k?.close());

  it("resumes from the last committed step after SIGKILL, every value readable at every point", async () => {
    const store = createLocalBlobStore(k.blobDir);
    const orgId = await createOrganization(k.db);
    await withTenant(k.db, { orgId }, async (tx) => {
      for (let i = 0; i < SECRETS; i++) await connectIntegration(tx, orgId, { provider: `p${i}`, credentials: { kind: "api_key", apiKey: `key-${i}` } });
    });
    const content = randomBytes(300_000);
    const file = await putEncryptedFile(k.db, store, { orgId }, content);
    const { jobId } = await startDataKeyRotation(k.db, orgId);

    expect(await k.runUntilKilled("lib/crypto/rotation-kill-child.ts", 3)).toBe("SIGKILL");

    const midway = await getKeyRotationProgress(k.db, orgId);
    expect(midway).toMatchObject({ state: "running", done: 15, activeVersion: 2, retiringVersions: [1] });
    expect(await sealedValuesByKeyVersion(k.db, orgId)).toEqual({ 1: SECRETS - 15 + 1, 2: 15 });
    const readEverything = async () => {
      await withTenant(k.db, { orgId }, async (tx) => {
        for (let i = 0; i < SECRETS; i++) expect(await getIntegrationCredentials(tx, orgId, `p${i}`)).toEqual({ kind: "api_key", apiKey: `key-${i}` });
      });
      expect((await readAll((await openEncryptedFile(k.db, store, { orgId }, file.id)).stream)).equals(content)).toBe(true);
    };
    await readEverything();

    // The killed runner's lease runs out; the next runner continues from the checkpoint.
    await withRunnerScope(k.db, (tx) => tx.update(jobs).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(jobs.id, jobId)));
    expect(await runJobsUntilIdle(k.db, { handlers: { [ROTATE_DATA_KEY_JOB]: rotateDataKeyHandler(store) } })).toEqual([
      { id: jobId, kind: ROTATE_DATA_KEY_JOB, outcome: "succeeded" },
    ]);
    expect(await getKeyRotationProgress(k.db, orgId)).toMatchObject({ state: "succeeded", done: SECRETS + 1, retiringVersions: [] });
    expect(await sealedValuesByKeyVersion(k.db, orgId)).toEqual({ 2: SECRETS + 1 });
    await readEverything();
  });
});
