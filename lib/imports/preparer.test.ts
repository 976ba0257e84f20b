import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contacts } from "@/db/schema";
import { sealedContacts } from "@/lib/contacts/sealed";
import { contactKeys, insertSealedContacts, type ContactKeys } from "@/lib/contacts/write-rows";
import { withTenant } from "@/lib/db/tenant";
import { eq } from "drizzle-orm";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { asBuffer } from "@/lib/bytes";
import { rebufferFields } from "./buffers";
import { openPreparer } from "./preparer";
import { prepareImportBatch, type BatchRow, type Imp } from "./write";

/**
 * The import's worker thread (lib/imports/preparer.ts) gives the rows the main thread would: the same validation
 * outcomes and blind indexes, rows sealed under the keys given, written and read back as any contact.
 */
describe("an import's batches prepared in a worker thread", () => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let keys: ContactKeys;
  const imp: Imp = { id: "00000000-0000-4000-8000-000000000001", mapping: { "0": "name", "1": "email", "2": "phone", "3": "tags" }, options: { duplicates: "skip", listId: null, tags: ["wave"] } };
  const rows: BatchRow[] = [
    { rowNumber: 2, cells: ["Ada Worker", "ada.worker@example.org", "+44 20 7946 0001", "donor"] },
    { rowNumber: 3, cells: ["", "nameless@example.org", "", ""] },
    { rowNumber: 4, cells: ["Zoë Thread", "not-an-email", "", ""] },
    { rowNumber: 5, cells: ["Zoë Thread", "zoe.thread@example.org", "", "ward-5;donor"] },
  ];

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    f = await seedWorkspaceFixture(t.db, "prep");
    keys = await withTenant(t.db, { orgId: f.orgA }, (tx) => contactKeys(tx, f.orgA));
  });
  afterAll(() => t?.drop());

  it("starts, and prepares what the main thread prepares: same outcomes and indexes, sealed rows that open to the same values", async () => {
    const preparer = openPreparer({ worker: true, require: true });
    try {
      const fromWorker = await preparer.prepare(keys, { userId: f.admin }, imp, rows);
      expect(preparer.kind).toBe("worker");
      const here = await prepareImportBatch(keys, { userId: f.admin }, imp, rows);
      expect(fromWorker.input).toBe(rows);
      expect(fromWorker.rows.map((r) => [r.rowNumber, r.mapped])).toEqual(here.rows.map((r) => [r.rowNumber, r.mapped]));
      for (const [i, r] of fromWorker.rows.entries()) {
        expect(r.email === null ? null : Buffer.isBuffer(r.email) && r.email.equals(here.rows[i]!.email!)).toBe(here.rows[i]!.email === null ? null : true);
        expect(r.phone === null ? null : Buffer.isBuffer(r.phone) && r.phone.equals(here.rows[i]!.phone!)).toBe(here.rows[i]!.phone === null ? null : true);
        expect(r.sealed === null).toBe(here.rows[i]!.sealed === null);
      }
      expect(fromWorker.rows.map((r) => r.mapped.ok)).toEqual([true, false, false, true]);

      // The worker's sealed rows are written and read back like any others (place binding, keys, name tokens).
      const sealed = fromWorker.rows.flatMap((r) => (r.sealed ? [r.sealed] : []));
      expect(sealed.every((s) => Buffer.isBuffer(s.card) && s.nameTokens!.every((token) => Buffer.isBuffer(token)))).toBe(true);
      const opened = await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, async (tx) => {
        await insertSealedContacts(tx, keys, sealed, { source: "import", createdBy: f.admin });
        return sealedContacts.openAll(tx, await tx.select().from(contacts).where(eq(contacts.orgId, f.orgA)).orderBy(contacts.externalId));
      });
      expect(opened.map((c) => [c.name, c.email, c.phone, c.tags]).sort()).toEqual([
        ["Ada Worker", "ada.worker@example.org", "+44 20 7946 0001", ["donor", "wave"]],
        ["Zoë Thread", "zoe.thread@example.org", null, ["ward-5", "donor", "wave"]],
      ]);
    } finally {
      await preparer.close();
    }
    // Closed: batches are prepared on this thread again.
    expect(preparer.kind).toBe("inline");
    const after = await preparer.prepare(keys, { userId: f.admin }, imp, rows.slice(0, 1));
    expect(after.rows[0]!.mapped.ok).toBe(true);
  });

  it("a small file is prepared on this thread", () => {
    expect(openPreparer({ worker: false }).kind).toBe("inline");
  });

  it("byte arrays that crossed a thread are Buffers again, over the same memory", () => {
    const bytes = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
    const again = asBuffer(bytes);
    expect(Buffer.isBuffer(again)).toBe(true);
    expect([...again]).toEqual([2, 3]);
    again[0] = 9;
    expect(bytes[0]).toBe(9);
    const record = rebufferFields({ a: new Uint8Array([1]), list: [new Uint8Array([2]), new Uint8Array([3])], n: 1, s: "x", none: null });
    expect(Buffer.isBuffer(record.a) && record.list.every((b) => Buffer.isBuffer(b))).toBe(true);
    expect(record).toMatchObject({ n: 1, s: "x", none: null });
  });
});
