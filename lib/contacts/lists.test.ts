import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/db/schema";
import type { Transaction } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import type { AccessRole } from "@/lib/tenancy/permissions";
import { createContact, deleteContact } from "./commands";
import { getContact } from "./get-contact";
import { listContacts } from "./list-contacts";
import type { ContactViewer } from "./visibility";
import { NotFoundError, RuleError } from "@/lib/errors";
import { addToContactList, createContactList, deleteContactList, listContactLists, removeFromContactList, renameContactList, listNameSchema } from "./lists";
import { contactInputSchema } from "./input";
import { insertContacts } from "./write-rows";

/** A refusal the person reads as-is, as opposed to a "not found". */
const refused = (e: unknown) => e instanceof RuleError && !(e instanceof NotFoundError);
/** "Not there, or not yours to see" about a contact or a list, told apart by its message. */
const notFound = (what: RegExp) => (e: unknown) => e instanceof NotFoundError && what.test(e.message);

describe.each(testBackends())("contact lists (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let a: string;
  let b: string;
  const viewer = (userId: string, role: AccessRole, orgId = f.orgA): ContactViewer => ({ orgId, userId, role });
  const admin = () => viewer(f.admin, "admin");
  const as = <T>(v: ContactViewer, fn: (tx: Transaction) => Promise<T>) => withTenant(t.db, { orgId: v.orgId, userId: v.userId }, fn);
  const actions = () => as(admin(), async (tx) => (await tx.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.orgId, f.orgA))).map((e) => e.action));

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db);
    a = await as(admin(), (tx) => createContact(tx, admin(), { name: "Ada One" }));
    b = await as(admin(), (tx) => createContact(tx, admin(), { name: "Bo Two" }, { assignedTo: f.volunteer }));
  }, 60_000);
  afterAll(async () => t?.drop());

  it("creates lists with unique names per campaign and a clear error on a duplicate", async () => {
    const id = await as(admin(), (tx) => createContactList(tx, admin(), "  Ward 5 donors "));
    await expect(as(admin(), (tx) => createContactList(tx, admin(), "ward 5 DONORS"))).rejects.toThrow('A list named "ward 5 DONORS" already exists');
    await expect(as(admin(), (tx) => createContactList(tx, admin(), "   "))).rejects.toThrow("Enter a name");
    // Another campaign may use the same name.
    const ownerB = viewer(f.ownerB, "owner", f.orgB);
    await as(ownerB, (tx) => createContactList(tx, ownerB, "Ward 5 donors"));
    const lists = await as(admin(), (tx) => listContactLists(tx, admin()));
    expect(lists).toMatchObject([{ id, name: "Ward 5 donors", members: 0 }]);
    expect((await actions()).filter((x) => x === "contact_list.created")).toHaveLength(1);
  });

  it("adds and removes contacts, counts members, filters the contact list, audits each change", async () => {
    const id = await as(admin(), (tx) => createContactList(tx, admin(), "Phone bank"));
    expect(await as(admin(), (tx) => addToContactList(tx, admin(), id, a))).toBe(true);
    expect(await as(admin(), (tx) => addToContactList(tx, admin(), id, a))).toBe(false);
    expect(await as(admin(), (tx) => addToContactList(tx, admin(), id, b))).toBe(true);
    expect((await as(admin(), (tx) => listContactLists(tx, admin()))).find((l) => l.id === id)!.members).toBe(2);
    expect((await as(admin(), (tx) => listContacts(tx, admin(), { listId: id }))).count.value).toBe(2);
    expect(await as(admin(), (tx) => getContact(tx, admin(), a))).toMatchObject({ lists: [{ id, name: "Phone bank" }] });
    expect(await as(admin(), (tx) => removeFromContactList(tx, admin(), id, a))).toBe(true);
    expect(await as(admin(), (tx) => removeFromContactList(tx, admin(), id, a))).toBe(false);
    expect((await as(admin(), (tx) => listContacts(tx, admin(), { listId: id }))).rows.map((r) => r.id)).toEqual([b]);
    const changed = await as(admin(), (tx) =>
      tx.select({ metadata: auditEvents.metadata, targetId: auditEvents.targetId }).from(auditEvents).where(and(eq(auditEvents.orgId, f.orgA), eq(auditEvents.action, "contact_list.changed"))),
    );
    expect(changed).toEqual([
      { metadata: { added: 1 }, targetId: a },
      { metadata: { added: 1 }, targetId: b },
      { metadata: { removed: 1 }, targetId: a },
    ]);
  });

  it("refuses hidden contacts, unknown lists and another campaign's lists", async () => {
    const id = await as(admin(), (tx) => createContactList(tx, admin(), "Canvass"));
    const v = viewer(f.volunteer, "volunteer");
    const [synced] = await as(v, (tx) => insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Hidden" })], { source: "sync", syncedBy: f.volunteer }));
    await expect(as(admin(), (tx) => addToContactList(tx, admin(), id, synced!))).rejects.toSatisfy(notFound(/contact/));
    await expect(as(admin(), (tx) => addToContactList(tx, admin(), "nope", a))).rejects.toSatisfy(notFound(/list/));
    const ownerB = viewer(f.ownerB, "owner", f.orgB);
    await expect(as(ownerB, (tx) => addToContactList(tx, ownerB, id, a))).rejects.toSatisfy(notFound(/list/));
    await expect(as(ownerB, (tx) => deleteContactList(tx, ownerB, id))).rejects.toSatisfy(notFound(/list/));
  });

  it("volunteers and support staff neither see nor change lists", async () => {
    const id = await as(admin(), (tx) => createContactList(tx, admin(), "Volunteers keep out"));
    for (const v of [viewer(f.volunteer, "volunteer"), viewer(f.volunteer2, "volunteer")]) {
      expect(await as(v, (tx) => listContactLists(tx, v))).toEqual([]);
      await expect(as(v, (tx) => createContactList(tx, v, "Mine"))).rejects.toSatisfy(refused);
      await expect(as(v, (tx) => addToContactList(tx, v, id, b))).rejects.toSatisfy(refused);
      await expect(as(v, (tx) => deleteContactList(tx, v, id))).rejects.toSatisfy(refused);
    }
    const support = viewer(f.admin, "support");
    await expect(as(support, (tx) => createContactList(tx, support, "Support's"))).rejects.toSatisfy(refused);
  });

  it("renames (unique still) and deletes a list; its contacts stay", async () => {
    const id = await as(admin(), (tx) => createContactList(tx, admin(), "Temp"));
    await as(admin(), (tx) => addToContactList(tx, admin(), id, a));
    await expect(as(admin(), (tx) => renameContactList(tx, admin(), id, "canvass"))).rejects.toThrow("already exists");
    await as(admin(), (tx) => renameContactList(tx, admin(), id, "Temporary"));
    expect((await as(admin(), (tx) => listContactLists(tx, admin()))).map((l) => l.name)).toContain("Temporary");
    await as(admin(), (tx) => deleteContactList(tx, admin(), id));
    expect((await as(admin(), (tx) => listContactLists(tx, admin()))).map((l) => l.id)).not.toContain(id);
    expect(await as(admin(), (tx) => getContact(tx, admin(), a))).not.toBeNull();
    expect((await actions()).filter((x) => x === "contact_list.deleted")).toHaveLength(1);
  });

  it("a deleted contact leaves its lists", async () => {
    const id = await as(admin(), (tx) => createContactList(tx, admin(), "Short-lived members"));
    const c = await as(admin(), (tx) => createContact(tx, admin(), { name: "Gone Soon" }));
    await as(admin(), (tx) => addToContactList(tx, admin(), id, c));
    await as(admin(), (tx) => deleteContact(tx, admin(), c));
    expect((await as(admin(), (tx) => listContactLists(tx, admin()))).find((l) => l.id === id)!.members).toBe(0);
  });
  // Last: it adds lists and audit events the tests above count.
  it("counts a list's members up to a cap, then says 'at least' (a huge list never costs a read of every member)", async () => {
    const id = await as(admin(), (tx) => createContactList(tx, admin(), "Capped count"));
    const c = await as(admin(), (tx) => createContact(tx, admin(), { name: "Cy Three" }));
    for (const contact of [a, b]) await as(admin(), (tx) => addToContactList(tx, admin(), id, contact));
    const with2 = (cap: number) => as(admin(), async (tx) => (await listContactLists(tx, admin(), { countCap: cap })).find((l) => l.id === id)!);
    expect(await with2(2)).toMatchObject({ members: 2, membersExact: true });
    expect(await with2(1)).toMatchObject({ members: 1, membersExact: false });
    await as(admin(), (tx) => addToContactList(tx, admin(), id, c));
    expect(await with2(2)).toMatchObject({ members: 2, membersExact: false });
    expect(await with2(3)).toMatchObject({ members: 3, membersExact: true });
    // The default cap is far above: exact.
    expect((await as(admin(), (tx) => listContactLists(tx, admin()))).find((l) => l.id === id)).toMatchObject({ members: 3, membersExact: true });
    await as(admin(), (tx) => deleteContactList(tx, admin(), id));
  });

});

describe("listNameSchema", () => {
  it("refuses a NUL, which PostgreSQL text cannot hold (found by the API fuzz pass)", () => {
    expect(listNameSchema.safeParse("Door\u0000knockers").success).toBe(false);
    expect(listNameSchema.safeParse("Door knockers").success).toBe(true);
  });
});
