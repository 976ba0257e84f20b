import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contacts, importRows, jobs } from "@/db/schema";
import { sealedContacts } from "@/lib/contacts/sealed";
import { setMasterKeyProvider } from "@/lib/crypto/keyring";
import { withTenant } from "@/lib/db/tenant";
import { withRunnerScope } from "@/lib/jobs/queue";
import { runJobsUntilIdle } from "@/lib/jobs/runner";
import { createLocalBlobStore } from "@/lib/storage";
import { streamOf } from "@/lib/streams";
import { testBackends } from "@/lib/testing/databases";
import { openKillTestDatabase, type KillTestDatabase } from "@/lib/testing/killed-job";
import { seedWorkspaceFixture } from "@/lib/testing/workspace";
import { importJobHandlers } from "./jobs";
import { FIXED_LIMITS } from "./limits";
import { importProgress, startImport, uploadImportFile } from "./service";

const ROWS = 37;

describe.each(testBackends())("an import survives a killed process (%s)", (backend) => {
  let k: KillTestDatabase;

  beforeAll(async () => {
    setMasterKeyProvider(undefined); // the configured keys: the child process reads the same environment
    k = await openKillTestDatabase(backend);
  });
  afterAll(() => k?.close());

  it("resumes from the last committed batch after SIGKILL: no contact duplicated, none lost", async () => {
    const store = createLocalBlobStore(k.blobDir);
    const f = await seedWorkspaceFixture(k.db, `kill-${backend}`);
    const admin = { orgId: f.orgA, userId: f.admin };
    const body = ["Name,Email", ...Array.from({ length: ROWS }, (_, i) => `Killed Person${i},k${i}@kill.example.org`)].join("\n");
    const limits = { maxBytes: 1024 * 1024, maxRows: 1000, ...FIXED_LIMITS, maxInflatedBytes: 64 * 1024 * 1024 };
    const { id } = await uploadImportFile(k.db, store, admin, { name: "kill.csv", body: streamOf(Buffer.from(body)) }, limits);
    await withTenant(k.db, admin, (tx) => startImport(tx, admin, id, { mapping: { "0": "name", "1": "email" }, duplicates: "skip", listId: null, tags: [] }));

    expect(await k.runUntilKilled("lib/imports/import-kill-child.ts", 4)).toBe("SIGKILL"); // the "running" step and three batches of 5

    const midway = await withTenant(k.db, admin, (tx) => importProgress(tx, f.orgA, id));
    expect(midway).toMatchObject({ status: "running", rowsDone: 15, created: 15 });

    await withRunnerScope(k.db, (tx) => tx.update(jobs).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(jobs.orgId, f.orgA)));
    const outcomes = await runJobsUntilIdle(k.db, { handlers: importJobHandlers(store) });
    expect(outcomes.map((o) => o.outcome)).toContain("succeeded");
    expect(await withTenant(k.db, admin, (tx) => importProgress(tx, f.orgA, id))).toMatchObject({ status: "succeeded", rowsDone: ROWS, created: ROWS, failed: 0 });
    const emails = await withTenant(k.db, admin, async (tx) => (await sealedContacts.openAll(tx, await tx.select().from(contacts).where(eq(contacts.orgId, f.orgA)))).map((c) => c.email));
    expect(emails).toHaveLength(ROWS);
    expect(new Set(emails).size).toBe(ROWS);
    // Each row's contact carries its import and row once (contacts.import_id, import_row); no history row for a created one.
    const recorded = await withTenant(k.db, admin, (tx) => tx.select({ n: contacts.importRow }).from(contacts).where(eq(contacts.importId, id)));
    expect(recorded.map((r) => r.n!).sort((a, b) => a - b)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 2));
    expect(await withTenant(k.db, admin, (tx) => tx.select().from(importRows).where(eq(importRows.importId, id)))).toEqual([]);
  });
});
