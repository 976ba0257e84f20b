import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, inArray } from "drizzle-orm";
import { integer, numeric, pgTable, uuid } from "drizzle-orm/pg-core";
import { contacts, importRows, imports, type Sealed } from "@/db/schema";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { bulkInsert, inBytes, inTexts } from "./bulk";
import { withTenant } from "./tenant";

const raw = <T>(b: Buffer) => b as Sealed<T>;
// Every byte value, and the characters that need escaping in SQL, array literals and JSON.
const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const awkward = ["plain", 'quote " double', "quote ' single", "comma, brace { } backslash \\ end", "ünïcödé ✓", "", "NULL"];

describe.each(testBackends())("bulk writes with one JSON parameter (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "bulk");
  });
  afterAll(async () => t?.drop());

  const asAdmin = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(t.db, { orgId: f.orgA, userId: f.admin }, fn);
  const contactRow = (orgId: string, i: number) => ({
    id: randomUUID(),
    orgId,
    name: raw<string>(Buffer.concat([allBytes, Buffer.from([i])])),
    email: i % 2 ? null : raw<string>(randomBytes(40)),
    phone: null,
    address: null,
    notes: null,
    emailIndex: randomBytes(32),
    phoneIndex: null,
    nameTokens: [randomBytes(12), Buffer.alloc(12), allBytes.subarray(0, 3)],
    tags: awkward.slice(0, (i % awkward.length) + 1),
    externalId: awkward[i % awkward.length]!,
    source: "import" as const,
    createdBy: f.admin,
    syncedBy: null,
    assignedTo: null,
  });

  it("writes every column type exactly as the multi-row insert would, with the table's defaults", async () => {
    const rows = Array.from({ length: 300 }, (_, i) => contactRow(f.orgA, i));
    await asAdmin((tx) => bulkInsert(tx, contacts, rows));
    const back = await asAdmin((tx) => tx.select().from(contacts).where(inArray(contacts.id, rows.map((r) => r.id))));
    expect(back).toHaveLength(300);
    const byId = new Map(back.map((b) => [b.id, b]));
    for (const r of rows) {
      const b = byId.get(r.id)!;
      expect(Buffer.compare(b.name!, r.name)).toBe(0);
      expect(b.email === null ? null : Buffer.from(b.email).toString("hex")).toBe(r.email === null ? null : r.email.toString("hex"));
      expect(Buffer.from(b.emailIndex!).equals(r.emailIndex)).toBe(true);
      expect(b.phoneIndex).toBeNull();
      expect(b.nameTokens.map((x) => Buffer.from(x).toString("hex"))).toEqual(r.nameTokens.map((x) => x.toString("hex")));
      expect(b.tags).toEqual(r.tags);
      expect(b.externalId).toBe(r.externalId);
      expect(b.source).toBe("import");
      expect(b.createdAt).toBeInstanceOf(Date);
      expect(b.updatedAt.getTime()).toBe(b.createdAt.getTime());
    }
  });

  it("writes timestamps, integers, uuid arrays and column defaults (imports and their rows)", async () => {
    const importId = randomUUID();
    const expires = new Date("2030-01-02T03:04:05.678Z");
    await asAdmin((tx) =>
      bulkInsert(tx, imports, [
        { id: importId, orgId: f.orgA, createdBy: f.admin, fileName: raw<string>(randomBytes(20)), headers: raw<string[]>(randomBytes(20)), format: "csv", encoding: "utf-8", fileSize: 1234, totalRows: 2, uploadExpiresAt: expires },
      ]),
    );
    const list = randomUUID();
    await asAdmin((tx) =>
      bulkInsert(tx, importRows, [
        { id: randomUUID(), importId, orgId: f.orgA, rowNumber: 1, outcome: "failed", contactId: null, before: null, tagsAdded: [], listsAdded: [], writtenAt: null, errorColumn: "email", errorReason: 'Not an email: "x"' },
        { id: randomUUID(), importId, orgId: f.orgA, rowNumber: 2, outcome: "skipped", contactId: null, before: raw<Record<string, unknown>>(allBytes), tagsAdded: ["a", "b"], listsAdded: [list], writtenAt: expires, errorColumn: null, errorReason: null },
      ]),
    );
    const [imp] = await asAdmin((tx) => tx.select().from(imports).where(eq(imports.id, importId)));
    expect(imp).toMatchObject({ fileSize: 1234, totalRows: 2, status: "uploaded", rowsDone: 0, format: "csv" });
    expect(imp!.uploadExpiresAt.toISOString()).toBe(expires.toISOString());
    const rows = await asAdmin((tx) => tx.select().from(importRows).where(eq(importRows.importId, importId)).orderBy(importRows.rowNumber));
    expect(rows.map((r) => [r.outcome, r.errorReason, r.tagsAdded, r.listsAdded, r.writtenAt?.toISOString() ?? null, r.keptAtRollback])).toEqual([
      ["failed", 'Not an email: "x"', [], [], null, false],
      ["skipped", null, ["a", "b"], [list], expires.toISOString(), false],
    ]);
    expect(Buffer.compare(rows[1]!.before!, allBytes)).toBe(0);
  });

  it("stays under row-level security: another campaign's row or a volunteer's campaign contact is refused, and nothing is written", async () => {
    const stray = [contactRow(f.orgA, 1), contactRow(f.orgB, 2)];
    const refused = { cause: { message: expect.stringMatching(/row-level security/) } };
    await expect(asAdmin((tx) => bulkInsert(tx, contacts, stray))).rejects.toMatchObject(refused);
    const volunteer = [contactRow(f.orgA, 3)];
    await expect(withTenant(t.db, { orgId: f.orgA, userId: f.volunteer }, (tx) => bulkInsert(tx, contacts, volunteer))).rejects.toMatchObject(refused);
    const ids = [...stray, ...volunteer].map((r) => r.id);
    const found = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select({ id: contacts.id }).from(contacts).where(inArray(contacts.id, ids)));
    const foundB = await withTenant(t.db, { orgId: f.orgB }, (tx) => tx.select({ id: contacts.id }).from(contacts).where(inArray(contacts.id, ids)));
    expect([...found, ...foundB]).toEqual([]);
  });

  it("matches lists of byte strings and texts of any length in one parameter", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => contactRow(f.orgA, i));
    await asAdmin((tx) => bulkInsert(tx, contacts, rows));
    const wanted = rows.filter((_, i) => i % 3 === 0);
    const decoys = Array.from({ length: 1500 }, () => randomBytes(32));
    const byIndex = await asAdmin((tx) =>
      tx
        .select({ id: contacts.id })
        .from(contacts)
        .where(and(eq(contacts.orgId, f.orgA), inBytes(contacts.emailIndex, [...decoys, ...wanted.map((w) => w.emailIndex)]))),
    );
    expect(byIndex.map((r) => r.id).sort()).toEqual(wanted.map((w) => w.id).sort());
    const texts = [...awkward, ...Array.from({ length: 1500 }, (_, i) => `decoy-${i}`)];
    const byText = await asAdmin((tx) =>
      tx
        .select({ id: contacts.id, externalId: contacts.externalId })
        .from(contacts)
        .where(and(inArray(contacts.id, rows.map((r) => r.id)), inTexts(contacts.externalId, texts))),
    );
    expect(byText).toHaveLength(rows.length);
    const none = await asAdmin((tx) => tx.select({ id: contacts.id }).from(contacts).where(and(inTexts(contacts.externalId, ["no such id"]), inArray(contacts.id, rows.map((r) => r.id)))));
    expect(none).toEqual([]);
  });

  it("refuses a property the table lacks and a column type it cannot carry, before any SQL", async () => {
    await expect(asAdmin((tx) => bulkInsert(tx, contacts, [{ ...contactRow(f.orgA, 1), nope: 1 } as never]))).rejects.toThrow(/no property nope/);
    const odd = pgTable("bulk_odd", { id: uuid("id").primaryKey(), n: integer("n"), amount: numeric("amount") });
    await expect(asAdmin((tx) => bulkInsert(tx, odd, [{ id: randomUUID(), n: 1, amount: "1.5" }]))).rejects.toThrow(/amount has type numeric/);
  });
});
