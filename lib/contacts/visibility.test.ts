import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionAssignees, actions, actionTargets, contactNameTokens, contacts, reports } from "@/db/schema";
import { withPerson, withSystem, withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { contactInputSchema, insertContacts } from "./store";
import { sealedContacts } from "./sealed";

/** Wall 3 alone (no guard, no lib filter): who reads which contact rows, straight from SQL under RLS. */
describe.each(testBackends())("contact visibility under RLS (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let campaignContact: string | undefined;
  let assigned: string | undefined;
  let synced: string | undefined;
  const as = (userId: string) => ({ orgId: f.orgA, userId });
  const visible = (userId: string, orgId = f.orgA) =>
    withTenant(t.db, { orgId, userId }, async (tx) => (await tx.select({ id: contacts.id }).from(contacts)).map((r) => r.id).sort());

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db);
    const input = (name: string, email?: string) => contactInputSchema.parse({ name, email });
    [campaignContact] = await withTenant(t.db, as(f.admin), (tx) => insertContacts(tx, f.orgA, [input("Maria Lopez", "maria@example.org")], { source: "manual", createdBy: f.admin }));
    [assigned] = await withTenant(t.db, as(f.admin), (tx) =>
      insertContacts(tx, f.orgA, [input("Sam Okafor")], { source: "manual", createdBy: f.admin, assignedTo: f.volunteer }),
    );
    [synced] = await withTenant(t.db, as(f.volunteer), (tx) =>
      insertContacts(tx, f.orgA, [input("Aunt Jo", "jo@example.org")], { source: "sync", syncedBy: f.volunteer, createdBy: f.volunteer }),
    );
  }, 60_000);
  afterAll(async () => t?.drop());

  it("managers read the campaign's contacts but not a volunteer's synced one", async () => {
    expect(await visible(f.admin)).toEqual([campaignContact!, assigned!].sort());
    expect(await visible(f.owner)).toEqual([campaignContact!, assigned!].sort());
  });

  it("a volunteer reads only what is assigned to them and what they synced", async () => {
    expect(await visible(f.volunteer)).toEqual([assigned!, synced!].sort());
    expect(await visible(f.volunteer2)).toEqual([]);
  });

  it("outsiders and other campaigns read nothing", async () => {
    expect(await visible(f.outsider)).toEqual([]);
    expect(await visible(f.ownerB)).toEqual([]);
    expect(await visible(f.ownerB, f.orgB)).toEqual([]);
  });

  it("a volunteer cannot create campaign contacts, nor sync one in someone else's name", async () => {
    await expect(withTenant(t.db, as(f.volunteer), (tx) => insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "X" })], { source: "manual" }))).rejects.toThrow();
    await expect(
      withTenant(t.db, as(f.volunteer2), (tx) => insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "X" })], { source: "sync", syncedBy: f.volunteer })),
    ).rejects.toThrow();
  });

  it("a manager cannot change, delete or take over a synced contact", async () => {
    const changed = await withTenant(t.db, as(f.admin), (tx) => tx.update(contacts).set({ syncedBy: null }).where(eq(contacts.id, synced!)).returning());
    expect(changed).toEqual([]);
    const deleted = await withTenant(t.db, as(f.admin), (tx) => tx.delete(contacts).where(eq(contacts.id, synced!)).returning());
    expect(deleted).toEqual([]);
  });

  it("name tokens of a hidden contact stay hidden", async () => {
    const count = (userId: string) => withTenant(t.db, as(userId), async (tx) => (await tx.select({ id: contactNameTokens.contactId }).from(contactNameTokens).where(eq(contactNameTokens.contactId, synced!))).length);
    expect(await count(f.admin)).toBe(0);
    expect(await count(f.volunteer)).toBeGreaterThan(0);
  });

  it("a draft report does not reveal a synced contact; a completed one reveals that contact only", async () => {
    const id = randomUUID();
    await withTenant(t.db, as(f.volunteer), (tx) => tx.insert(reports).values({ id, orgId: f.orgA, contactId: synced!, filedBy: f.volunteer, outcome: "reached" }));
    expect(await visible(f.admin)).not.toContain(synced);
    await withTenant(t.db, as(f.volunteer), (tx) => tx.update(reports).set({ completedAt: new Date() }).where(eq(reports.id, id)));
    expect(await visible(f.admin)).toContain(synced);
    const opened = await withTenant(t.db, as(f.admin), async (tx) => sealedContacts.openAll(tx, await tx.select().from(contacts).where(eq(contacts.id, synced!))));
    expect(opened[0]!.name).toBe("Aunt Jo");
    expect(await visible(f.volunteer2)).toEqual([]);
    // A completed report is final, even for its author.
    const edited = await withTenant(t.db, as(f.volunteer), (tx) => tx.update(reports).set({ outcome: "refused" }).where(eq(reports.id, id)).returning());
    expect(edited).toEqual([]);
  });

  it("an action shared with a volunteer shows them only the target rows of contacts they can see", async () => {
    const actionId = randomUUID();
    await withTenant(t.db, as(f.admin), async (tx) => {
      await tx.insert(actions).values({ id: actionId, orgId: f.orgA, kind: "call", title: "Phone bank" });
      await tx.insert(actionAssignees).values({ actionId, userId: f.volunteer, orgId: f.orgA });
      await tx.insert(actionTargets).values([
        { actionId, contactId: assigned!, orgId: f.orgA },
        { actionId, contactId: campaignContact!, orgId: f.orgA },
      ]);
    });
    const targets = (userId: string) =>
      withTenant(t.db, as(userId), async (tx) => (await tx.select({ id: actionTargets.contactId }).from(actionTargets).where(eq(actionTargets.actionId, actionId))).map((r) => r.id).sort());
    expect(await targets(f.admin)).toEqual([assigned!, campaignContact!].sort());
    expect(await targets(f.volunteer)).toEqual([assigned!]);
    expect(await targets(f.volunteer2)).toEqual([]);
  });

  it("managers count synced contacts per member without reading them", async () => {
    const rows = await withTenant(t.db, as(f.admin), async (tx) => tx.execute(sql`select user_id, contacts from synced_contact_counts(${f.orgA}::uuid)`));
    const list = ((rows as { rows?: unknown[] }).rows ?? rows) as { user_id: string; contacts: number | string }[];
    expect(list.map((r) => [r.user_id, Number(r.contacts)])).toEqual([[f.volunteer, 1]]);
    const asVolunteer = await withTenant(t.db, as(f.volunteer2), async (tx) => tx.execute(sql`select user_id from synced_contact_counts(${f.orgA}::uuid)`));
    expect(((asVolunteer as { rows?: unknown[] }).rows ?? asVolunteer) as unknown[]).toEqual([]);
  });

  it("the person who synced a contact reads and deletes it with no campaign set (settings page)", async () => {
    const mine = await withPerson(t.db, f.volunteer, async (tx) => tx.select({ id: contacts.id }).from(contacts));
    expect(mine.map((r) => r.id)).toEqual([synced!]);
    const theirs = await withPerson(t.db, f.volunteer2, async (tx) => tx.select({ id: contacts.id }).from(contacts));
    expect(theirs).toEqual([]);
    await withPerson(t.db, f.volunteer, (tx) => tx.delete(contacts).where(eq(contacts.id, synced!)));
    const left = await withSystem(t.db, async (tx) => tx.execute(sql`select count(*)::int as n from contact_name_tokens where contact_id = ${synced!}::uuid`));
    expect((((left as { rows?: unknown[] }).rows ?? left) as { n: number }[])[0]!.n).toBe(0);
  });
});
