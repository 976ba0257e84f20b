import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, contacts } from "@/db/schema";
import { resultRows } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { sealedContacts } from "./sealed";
import { describeRowError, mySyncedCount, parseContactsCsv, SYNC_MAX_ROWS, syncContacts, syncedContactCounts } from "./sync";

describe("parseContactsCsv", () => {
  it("reads a header row in any case, maps address columns and numbers rows as lines of the file", () => {
    const parsed = parseContactsCsv("\uFEFFName,EMAIL,Phone,Address,City,Notes\nAunt Jo,jo@example.org,,1 High St,Leeds,met at fair\n\nBob,,+44 20 7946 0958,,,\n");
    expect(parsed).toEqual({
      ok: true,
      rows: [
        { row: 2, values: { name: "Aunt Jo", email: "jo@example.org", phone: "", notes: "met at fair", address: { line1: "1 High St", city: "Leeds" } } },
        { row: 4, values: { name: "Bob", email: "", phone: "+44 20 7946 0958", notes: "" } },
      ],
    });
  });

  it("ignores columns with a blank header (a spreadsheet's trailing comma)", () => {
    expect(parseContactsCsv("name,,email,\nJo,stray,jo@example.org,\n")).toEqual({ ok: true, rows: [{ row: 2, values: { name: "Jo", email: "jo@example.org" } }] });
  });

  it("refuses files without a usable header, unknown or repeated columns, and ragged rows, naming the row", () => {
    const errorsOf = (text: string) => {
      const p = parseContactsCsv(text);
      if (p.ok) throw new Error("expected errors");
      return p.errors.map(describeRowError);
    };
    expect(errorsOf("")[0]).toMatch(/empty/);
    expect(errorsOf("email\njo@example.org\n")[0]).toMatch(/needs a name column/);
    expect(errorsOf("name,birthday\nJo,1970-01-01\n")[0]).toMatch(/Column 2 of the header row/);
    expect(errorsOf("name,Name\nJo,Jo\n")[0]).toMatch(/repeats/);
    expect(errorsOf("name\n")[0]).toMatch(/no contacts/);
    expect(errorsOf("name,email\nJo,jo@example.org\nSam,sam@example.org,extra\n")).toEqual([
      "Row 3, file: this row has a different number of columns than the header row",
    ]);
    expect(errorsOf('name,email\nJo,"jo@example.org\n')[0]).toMatch(/^Row 2, file: a quoted value is never closed/);
  });

  it("refuses more than 5,000 rows and more than 2 MB", () => {
    const many = parseContactsCsv("name\n" + "Jo\n".repeat(SYNC_MAX_ROWS + 1));
    expect(many.ok === false && many.errors[0]!.message).toMatch(/5,001 contacts; the limit is 5,000/);
    expect(parseContactsCsv("name\n" + "Jo\n".repeat(SYNC_MAX_ROWS)).ok).toBe(true);
    const big = parseContactsCsv("name,notes\n" + `Jo,${"x".repeat(1000)}\n`.repeat(2200));
    expect(big.ok === false && big.errors[0]!.message).toMatch(/larger than 2 MB/);
  });
});

describe.each(testBackends())("syncing contacts (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  const as = (userId: string) => ({ orgId: f.orgA, userId });
  const sync = (userId: string, text: string) =>
    withTenant(t.db, as(userId), async (tx) => {
      const parsed = parseContactsCsv(text);
      if (!parsed.ok) throw new Error(parsed.errors.map(describeRowError).join("; "));
      return syncContacts(tx, as(userId), parsed.rows, "csv");
    });
  const countSynced = (userId: string) =>
    withTenant(t.db, { orgId: f.orgA }, async (tx) => (await tx.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.orgId, f.orgA), eq(contacts.syncedBy, userId)))).length);

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "sync");
  }, 60_000);
  afterAll(async () => t?.drop());

  it("adds a file's contacts as the member's own synced contacts, sealed, and records one event", async () => {
    const result = await sync(f.volunteer, "name,email,phone,notes\nAunt Jo,jo@example.org,+44 20 7946 0958,likes trains\nUncle Sam,sam@example.org,,\n");
    expect(result).toMatchObject({ ok: true, added: 2, skipped: 0 });
    const rows = await withTenant(t.db, as(f.volunteer), (tx) => tx.select().from(contacts).where(eq(contacts.syncedBy, f.volunteer)));
    expect(rows.map((r) => [r.source, r.createdBy, r.assignedTo, r.tags])).toEqual([
      ["sync", f.volunteer, null, []],
      ["sync", f.volunteer, null, []],
    ]);
    const opened = await withTenant(t.db, as(f.volunteer), (tx) => sealedContacts.openAll(tx, rows));
    expect(opened.map((o) => o.name).sort()).toEqual(["Aunt Jo", "Uncle Sam"]);
    const events = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.orgId, f.orgA), eq(auditEvents.action, "contacts.synced"))));
    expect(events.map((e) => [e.actorId, e.metadata])).toEqual([[f.volunteer, { count: 2, format: "csv" }]]);
  });

  it("stores no plaintext: the raw row holds no name, email, phone or notes in clear", async () => {
    const raw = await withTenant(t.db, { orgId: f.orgA }, async (tx) =>
      resultRows<Record<string, unknown>>(await tx.execute(sql`select * from contacts where synced_by = ${f.volunteer}::uuid`)),
    );
    expect(raw.length).toBe(2);
    const text = raw.map((r) => Object.values(r).map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : JSON.stringify(v))).join("|")).join("\n");
    for (const secret of ["Aunt Jo", "jo@example.org", "7946", "likes trains", "Uncle Sam"]) expect(text).not.toContain(secret);
  });

  it("skips rows whose email the member already synced (any case), and repeats within the file", async () => {
    const result = await sync(f.volunteer, "name,email\nJo again,JO@Example.org\nNew Person,new@example.org\nNew Twin,new@example.org\nNo Email,\n");
    expect(result).toMatchObject({ ok: true, added: 2, skipped: 2 });
    expect(await countSynced(f.volunteer)).toBe(4);
    // Another member's synced contacts do not count as duplicates: they are theirs.
    expect(await sync(f.volunteer2, "name,email\nAunt Jo,jo@example.org\n")).toMatchObject({ ok: true, added: 1, skipped: 0 });
  });

  it("one bad row refuses the whole file, naming the row and field and not the value", async () => {
    const before = await countSynced(f.volunteer);
    const result = await sync(f.volunteer, "name,email\nGood One,good@example.org\n,blank@example.org\nBad Mail,not-an-email-secret\n");
    expect(result.ok).toBe(false);
    const messages = result.ok ? [] : result.errors.map(describeRowError);
    expect(messages).toEqual(["Row 3, name: Enter a name", "Row 4, email: Enter an email address like name@example.org"]);
    expect(messages.join()).not.toContain("not-an-email-secret");
    expect(await countSynced(f.volunteer)).toBe(before);
  });

  it("the form path takes one contact and refuses tags or unknown fields", async () => {
    const form = await withTenant(t.db, as(f.admin), (tx) => syncContacts(tx, as(f.admin), [{ row: 1, values: { name: "Neighbour", phone: "020 7946 0000" } }], "form"));
    expect(form).toMatchObject({ ok: true, added: 1 });
    const tagged = await withTenant(t.db, as(f.admin), (tx) => syncContacts(tx, as(f.admin), [{ row: 1, values: { name: "X", tags: ["donor"] } }], "form"));
    expect(tagged.ok).toBe(false);
  });

  it("RLS refuses a sync in another member's name, and nothing lands", async () => {
    await expect(withTenant(t.db, as(f.volunteer2), (tx) => syncContacts(tx, as(f.volunteer), [{ row: 1, values: { name: "Planted" } }], "form"))).rejects.toThrow();
    await expect(withTenant(t.db, { orgId: f.orgA, userId: f.ownerB }, (tx) => syncContacts(tx, { orgId: f.orgA, userId: f.ownerB }, [{ row: 1, values: { name: "Planted" } }], "form"))).rejects.toThrow();
  });

  it("managers get counts per member, never the rows; volunteers get no counts", async () => {
    const counts = await withTenant(t.db, as(f.admin), (tx) => syncedContactCounts(tx, f.orgA));
    expect(Object.fromEntries(counts)).toEqual({ [f.volunteer]: 4, [f.volunteer2]: 1, [f.admin]: 1 });
    const seen = await withTenant(t.db, as(f.owner), (tx) => tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.syncedBy, f.volunteer)));
    expect(seen).toEqual([]);
    expect((await withTenant(t.db, as(f.volunteer), (tx) => syncedContactCounts(tx, f.orgA))).size).toBe(0);
    expect((await withTenant(t.db, { orgId: f.orgB, userId: f.ownerB }, (tx) => syncedContactCounts(tx, f.orgA))).size).toBe(0);
    expect(await withTenant(t.db, as(f.volunteer), (tx) => mySyncedCount(tx, as(f.volunteer)))).toBe(4);
    expect(await withTenant(t.db, as(f.admin), (tx) => mySyncedCount(tx, as(f.volunteer)))).toBe(0);
  });
});
