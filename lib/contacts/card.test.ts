import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contacts } from "@/db/schema";
import { jobs } from "@/db/schema/jobs";
import { activeDataKey } from "@/lib/crypto/data-keys";
import { WrongPlaceError } from "@/lib/crypto/errors";
import { sealWithKey } from "@/lib/crypto/fields";
import { PACK_SEALED_ROWS_JOB, countPerColumnRows, packSealedRowsHandler, queuePacks } from "@/lib/crypto/pack";
import { ROTATE_DATA_KEY_JOB, rotateDataKeyHandler, startDataKeyRotation } from "@/lib/crypto/rotation";
import { useTestMasterKeys } from "@/lib/crypto/test-support";
import type { Transaction } from "@/lib/db/client";
import { withRunnerScope } from "@/lib/jobs/queue";
import { runJobsUntilIdle, runNextJob } from "@/lib/jobs/runner";
import { afterSteps } from "@/lib/testing/job-steps";
import { createLocalBlobStore } from "@/lib/storage";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import type { AccessRole } from "@/lib/tenancy/permissions";
import { createContact, updateContact } from "./commands";
import { getContact } from "./get-contact";
import { listContacts } from "./list-contacts";
import { contactReachOutColumns } from "./read-models";
import { openContacts } from "./sealed";
import type { ContactViewer } from "./visibility";

/**
 * Contacts' reach-out fields sealed as one card per row (migration 0028): what is stored, that a card is bound to its
 * row, that rows still in the per-column form read the same and move into a card on their next write or by the pack job.
 */
describe.each(testBackends())("contact cards (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  const viewer = (userId: string, role: AccessRole, orgId = f.orgA): ContactViewer => ({ orgId, userId, role });
  const admin = () => viewer(f.admin, "admin");
  const as = <T>(v: ContactViewer, fn: (tx: Transaction) => Promise<T>) => withTenant(t.db, { orgId: v.orgId, userId: v.userId }, fn);
  const stored = (id: string) =>
    withTenant(t.db, { orgId: f.orgA }, async (tx) => {
      const [row] = await tx.select().from(contacts).where(eq(contacts.id, id));
      return row!;
    });

  /** A contact as written before the card: each field its own message at its own column's place. */
  async function perColumnContact(orgId: string, values: { name: string; email?: string; phone?: string; address?: object; notes?: string }): Promise<string> {
    const id = randomUUID();
    await withTenant(t.db, { orgId }, async (tx) => {
      const key = await activeDataKey(tx, orgId);
      const seal = (column: string, value: unknown) => (value === undefined ? null : sealWithKey(key, { orgId, table: "contacts", column, rowId: id }, JSON.stringify(value)));
      await tx.insert(contacts).values({
        id,
        orgId,
        card: null,
        name: seal("name", values.name) as never,
        email: seal("email", values.email) as never,
        phone: seal("phone", values.phone) as never,
        address: seal("address", values.address) as never,
        notes: seal("notes", values.notes) as never,
        source: "import",
      });
    });
    return id;
  }

  beforeAll(async () => {
    useTestMasterKeys(["m1"]);
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "card");
  }, 60_000);
  afterAll(async () => t?.drop());

  it("stores a new contact's reach-out fields as one message and its notes as another, nothing in the per-column form", async () => {
    const id = await as(admin(), (tx) => createContact(tx, admin(), { name: "Ines Carvalho", email: "ines@example.org", phone: "+351 21 000 0000", address: { city: "Lisbon" }, notes: "Call after 6" }));
    const row = await stored(id);
    expect(row.card).not.toBeNull();
    expect([row.name, row.email, row.phone, row.address]).toEqual([null, null, null, null]);
    expect(row.notes).not.toBeNull();
    for (const plain of ["Ines", "ines@example.org", "Lisbon"]) expect(Buffer.from(row.card!).toString("latin1")).not.toContain(plain);
    const detail = await as(admin(), (tx) => getContact(tx, admin(), id));
    expect(detail).toMatchObject({ name: "Ines Carvalho", email: "ines@example.org", phone: "+351 21 000 0000", address: { city: "Lisbon" }, notes: "Call after 6" });
  });

  it("refuses a card moved to another row or another campaign", async () => {
    const a = await as(admin(), (tx) => createContact(tx, admin(), { name: "Card A" }));
    const b = await as(admin(), (tx) => createContact(tx, admin(), { name: "Card B" }));
    const cardA = (await stored(a)).card!;
    await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.update(contacts).set({ card: cardA }).where(eq(contacts.id, b)));
    await expect(as(admin(), (tx) => getContact(tx, admin(), b))).rejects.toBeInstanceOf(WrongPlaceError);
    // Campaign B's key cannot open A's card either, even placed under the same id.
    const ownerB = viewer(f.ownerB, "owner", f.orgB);
    const rival = await as(ownerB, (tx) => createContact(tx, ownerB, { name: "Rival" }));
    await withTenant(t.db, { orgId: f.orgB }, (tx) => tx.update(contacts).set({ card: cardA }).where(eq(contacts.id, rival)));
    await expect(as(ownerB, (tx) => getContact(tx, ownerB, rival))).rejects.toThrow();
    // The tampered rows go, so the campaigns' later reads and jobs see only sound rows.
    await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.delete(contacts).where(eq(contacts.id, b)));
    await withTenant(t.db, { orgId: f.orgB }, (tx) => tx.delete(contacts).where(eq(contacts.id, rival)));
  });

  it("keeps the two forms apart in the database: a row holds a card or per-column fields with a name, never both or neither", async () => {
    const id = await as(admin(), (tx) => createContact(tx, admin(), { name: "Both Forms" }));
    const row = await stored(id);
    await expect(withTenant(t.db, { orgId: f.orgA }, (tx) => tx.update(contacts).set({ name: row.card as never }).where(eq(contacts.id, id)))).rejects.toThrow();
    await expect(withTenant(t.db, { orgId: f.orgA }, (tx) => tx.update(contacts).set({ card: null }).where(eq(contacts.id, id)))).rejects.toThrow();
    expect((await stored(id)).card).not.toBeNull();
  });

  it("refuses to open a read that selected reach-out fields without the card (they would come back empty)", async () => {
    const id = await as(admin(), (tx) => createContact(tx, admin(), { name: "Selected" }));
    await expect(
      as(admin(), async (tx) => openContacts(tx, await tx.select({ id: contacts.id, orgId: contacts.orgId, name: contacts.name }).from(contacts).where(eq(contacts.id, id)))),
    ).rejects.toThrow(/select card/);
    const [opened] = await as(admin(), async (tx) => openContacts(tx, await tx.select({ id: contacts.id, orgId: contacts.orgId, card: contacts.card, name: contacts.name }).from(contacts).where(eq(contacts.id, id))));
    // Only the fields the read selected come out; the card itself does not.
    expect(opened).toEqual({ id, orgId: f.orgA, name: "Selected" });
  });

  it("changes one field of a card and keeps the others; clearing a field removes it", async () => {
    const id = await as(admin(), (tx) => createContact(tx, admin(), { name: "Edit Me", email: "edit@example.org", phone: "+44 20 7946 0958" }));
    await as(admin(), (tx) => updateContact(tx, admin(), id, { name: "Edit Me", email: "new@example.org" }));
    expect(await as(admin(), (tx) => getContact(tx, admin(), id))).toMatchObject({ name: "Edit Me", email: "new@example.org", phone: null });
    const row = await stored(id);
    expect([row.name, row.email, row.phone]).toEqual([null, null, null]);
  });

  it("reads rows still in the per-column form on every view, and packs one into a card on its next write", async () => {
    const id = await perColumnContact(f.orgA, { name: "Old Row", email: "old@example.org", address: { city: "Leeds" }, notes: "legacy note" });
    expect(await as(admin(), (tx) => getContact(tx, admin(), id))).toMatchObject({ name: "Old Row", email: "old@example.org", phone: null, address: { city: "Leeds" }, notes: "legacy note" });
    const page = await as(admin(), (tx) => listContacts(tx, admin()));
    expect(page.rows.filter((r) => r.id === id).map((r) => [r.name, r.email])).toEqual([["Old Row", "old@example.org"]]);

    await as(admin(), (tx) => updateContact(tx, admin(), id, { name: "Old Row", email: "old@example.org", phone: "+44 20 7946 0111", address: { city: "Leeds" }, notes: "legacy note" }));
    const row = await stored(id);
    expect(row.card).not.toBeNull();
    expect([row.name, row.email, row.phone, row.address]).toEqual([null, null, null, null]);
    expect(await as(admin(), (tx) => getContact(tx, admin(), id))).toMatchObject({ name: "Old Row", email: "old@example.org", phone: "+44 20 7946 0111", address: { city: "Leeds" }, notes: "legacy note" });
  });

  it("packs a campaign's per-column rows in resumable steps (queued by the hourly chores), the same values after, then a rotation re-seals the cards", async () => {
    const ownerB = viewer(f.ownerB, "owner", f.orgB);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await perColumnContact(f.orgB, { name: `Packed ${i}`, email: `p${i}@example.org`, phone: i % 2 ? `+1 555 ${i}` : undefined, notes: i === 3 ? "note 3" : undefined }));
    const expected = ids.map((id, i) => ({ id, name: `Packed ${i}`, email: `p${i}@example.org`, phone: i % 2 ? `+1 555 ${i}` : null }));
    const read = () =>
      as(ownerB, async (tx) =>
        (await openContacts(tx, await tx.select({ ...contactReachOutColumns, notes: contacts.notes }).from(contacts).where(inArray(contacts.id, ids))))
          .map((c) => ({ id: c.id, name: c.name, email: c.email, phone: c.phone }))
          .sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id)),
      );
    expect(await read()).toEqual(expected);
    expect(await withTenant(t.db, { orgId: f.orgB }, (tx) => countPerColumnRows(tx, f.orgB))).toBe(12);

    // The chores queue one job, for the campaign with per-column rows only (A's rows above were all packed or new).
    await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.delete(contacts).where(and(eq(contacts.orgId, f.orgA), sql`card is null`)));
    const queued = await queuePacks(t.db);
    expect(queued).toEqual({ queued: 1, failures: [] });
    expect((await queuePacks(t.db)).queued).toBe(0); // already queued: not twice
    const [job] = await withRunnerScope(t.db, (tx) => tx.select().from(jobs).where(and(eq(jobs.kind, PACK_SEALED_ROWS_JOB), eq(jobs.state, "queued"))));
    expect(job!.orgId).toBe(f.orgB);

    // Crash after two committed steps of 5 rows: ten rows packed, two left, every row readable meanwhile.
    const crash = new AbortController();
    const handler = packSealedRowsHandler({ rowsPerStep: 5 });
    const crashing = afterSteps(handler, 2, () => crash.abort());
    expect((await runNextJob(t.db, { handlers: { [PACK_SEALED_ROWS_JOB]: crashing }, signal: crash.signal }))?.outcome).toBe("interrupted");
    expect(await withTenant(t.db, { orgId: f.orgB }, (tx) => countPerColumnRows(tx, f.orgB))).toBe(2);
    expect(await read()).toEqual(expected);
    await withRunnerScope(t.db, (tx) => tx.update(jobs).set({ lockedUntil: sql`now() - interval '1 second'`, runAt: sql`now()` }).where(eq(jobs.id, job!.id)));
    expect(await runJobsUntilIdle(t.db, { handlers: { [PACK_SEALED_ROWS_JOB]: handler } })).toEqual([{ id: job!.id, kind: PACK_SEALED_ROWS_JOB, outcome: "succeeded" }]);
    expect(await withTenant(t.db, { orgId: f.orgB }, (tx) => countPerColumnRows(tx, f.orgB))).toBe(0);
    expect(await read()).toEqual(expected);
    const [progress] = await withRunnerScope(t.db, (tx) => tx.select({ progress: jobs.progress }).from(jobs).where(eq(jobs.id, job!.id)));
    expect(progress!.progress).toEqual({ total: 12, done: 12 });
    // Notes stay a message of their own.
    expect(await withTenant(t.db, { orgId: f.orgB }, async (tx) => (await tx.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.orgId, f.orgB), isNotNull(contacts.notes)))).length)).toBe(1);

    // A rotation re-seals cards like any sealed value.
    const store = createLocalBlobStore(fs.mkdtempSync(path.join(os.tmpdir(), "rampart-card-")));
    await startDataKeyRotation(t.db, f.orgB);
    await runJobsUntilIdle(t.db, { handlers: { [ROTATE_DATA_KEY_JOB]: rotateDataKeyHandler(store) } });
    const versions = await withTenant(t.db, { orgId: f.orgB }, async (tx) =>
      (await tx.select({ card: contacts.card }).from(contacts).where(inArray(contacts.id, ids))).map((c) => c.card!.readUInt32BE(2)),
    );
    expect(new Set(versions)).toEqual(new Set([2]));
    expect(await read()).toEqual(expected);
  });
});
