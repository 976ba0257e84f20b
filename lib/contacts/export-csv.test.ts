import { randomUUID } from "node:crypto";
import { parse } from "csv-parse/sync";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, reports } from "@/db/schema";
import type { Transaction } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import type { AccessRole } from "@/lib/tenancy/permissions";
import { createContact } from "./commands";
import type { ContactViewer } from "./visibility";
import { NotFoundError, RuleError } from "@/lib/errors";
import { CONTACT_CSV_HEADER, contactCsvRecord, exportContactsCsv, neutralizeCsvCell } from "./export-csv";
import { contactInputSchema } from "./input";
import { insertContacts } from "./write-rows";

/** A refusal the person reads as-is, as opposed to a "not found". */
const refused = (e: unknown) => e instanceof RuleError && !(e instanceof NotFoundError);

describe("neutralizeCsvCell", () => {
  it("prefixes cells a spreadsheet would run as a formula", () => {
    for (const v of ["=SUM(A1)", "+44 20 7946 0958", "-2+3", "@cmd", "\tTab", "\r=x", '=HYPERLINK("http://x")'])
      expect(neutralizeCsvCell(v)).toBe(`'${v}`);
  });

  it("leaves ordinary text alone", () => {
    for (const v of ["", "Maria", "a=b", "x+y", "name@example.org", " =not first", "'quoted", "42"]) expect(neutralizeCsvCell(v)).toBe(v);
  });

  it("applies to every column of a record", () => {
    const record = contactCsvRecord({
      name: "=cmd|' /C calc'!A0",
      email: "@evil",
      phone: "+1 555 0100",
      address: { line1: "-1 Main St", city: "Town" },
      tags: ["donor", "ward-5"],
      notes: "=1+1",
      assigneeName: "+Sam",
      createdAt: new Date("2025-01-02T03:04:05.000Z"),
    });
    expect(record).toEqual(["'=cmd|' /C calc'!A0", "'@evil", "'+1 555 0100", "'-1 Main St", "", "Town", "", "", "", "donor; ward-5", "'=1+1", "'+Sam", "2025-01-02T03:04:05.000Z"]);
    expect(record).toHaveLength(CONTACT_CSV_HEADER.length);
  });
});

describe.each(testBackends())("contact CSV export (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let synced: string;
  const viewer = (userId: string, role: AccessRole, orgId = f.orgA): ContactViewer => ({ orgId, userId, role });
  const as = <T>(v: ContactViewer, fn: (tx: Transaction) => Promise<T>) => withTenant(t.db, { orgId: v.orgId, userId: v.userId }, fn);
  const run = async (v: ContactViewer, pageSize?: number) => {
    const chunks: string[] = [];
    const rows = await as(v, (tx) => exportContactsCsv(tx, v, (c) => void chunks.push(c), { pageSize }));
    return { rows, chunks, records: parse(chunks.join(""), { columns: true }) as Record<string, string>[] };
  };

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db);
    const admin = viewer(f.admin, "admin");
    await as(admin, (tx) =>
      createContact(tx, admin, { name: "=Evil Name", email: "evil@example.org", phone: "+44 20 7946 0958", address: { line1: "1 High St", country: "UK" }, notes: "note, with comma", tags: ["donor"] }, { assignedTo: f.volunteer }),
    );
    // Many rows written in one transaction share created_at: the keyset pages must still see each once.
    await as(admin, (tx) => insertContacts(tx, f.orgA, Array.from({ length: 11 }, (_, i) => contactInputSchema.parse({ name: `Bulk ${i}` })), { source: "import" }));
    const v = viewer(f.volunteer, "volunteer");
    [synced] = (await as(v, (tx) => insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Private Friend", notes: "secret" })], { source: "sync", syncedBy: f.volunteer }))) as [string];
    const ownerB = viewer(f.ownerB, "owner", f.orgB);
    await as(ownerB, (tx) => createContact(tx, ownerB, { name: "Other Campaign" }));
  }, 60_000);
  afterAll(async () => t?.drop());

  it("writes every visible contact once, in pages, neutralised, and records data.exported", async () => {
    const admin = viewer(f.admin, "admin");
    const { rows, chunks, records } = await run(admin, 3);
    expect(rows).toBe(12);
    expect(chunks.length).toBe(1 + 4);
    expect(chunks[0]).toBe(`${CONTACT_CSV_HEADER.join(",")}\n`);
    expect(records).toHaveLength(12);
    expect(new Set(records.map((r) => r.name)).size).toBe(12);
    const evil = records.find((r) => r.name === "'=Evil Name")!;
    expect(evil).toMatchObject({ email: "evil@example.org", phone: "'+44 20 7946 0958", address_line1: "1 High St", country: "UK", tags: "donor", notes: "note, with comma", assigned: "volunteer" });
    expect(records.map((r) => r.name)).not.toContain("Private Friend");
    expect(records.map((r) => r.name)).not.toContain("Other Campaign");
    const events = await as(admin, (tx) => tx.select({ metadata: auditEvents.metadata, actorId: auditEvents.actorId }).from(auditEvents).where(eq(auditEvents.action, "data.exported")));
    expect(events).toEqual([{ metadata: { scope: "contacts", rows: 12, format: "csv" }, actorId: f.admin }]);
  });

  it("includes a synced contact once reported, without its owner's notes", async () => {
    const v = viewer(f.volunteer, "volunteer");
    await as(v, (tx) => tx.insert(reports).values({ id: randomUUID(), orgId: f.orgA, contactId: synced, filedBy: f.volunteer, outcome: "reached", completedAt: new Date() }));
    const { records } = await run(viewer(f.owner, "owner"));
    expect(records.find((r) => r.name === "Private Friend")).toMatchObject({ notes: "" });
  });

  it("volunteers and support staff cannot export", async () => {
    await expect(run(viewer(f.volunteer, "volunteer"))).rejects.toSatisfy(refused);
    await expect(run(viewer(f.admin, "support"))).rejects.toSatisfy(refused);
  });
});
