import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { actionAssignees, actions, actionTargets, contacts, reports, supportAccessGrants, users } from "@/db/schema";
import { withPerson, withSystem, withTenant } from "@/lib/db/tenant";
import type { AccessRole } from "@/lib/tenancy/permissions";
import { setWallForTest } from "@/lib/tenancy/walls";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { contactInputSchema } from "./input";
import { insertContacts } from "./write-rows";
import { sealedContacts } from "./sealed";
import { visibleContacts, type ContactViewer } from "./visibility";

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
    const count = async (userId: string) =>
      (await withTenant(t.db, as(userId), (tx) => tx.select({ tokens: contacts.nameTokens }).from(contacts).where(eq(contacts.id, synced!)))).flatMap((r) => r.tokens).length;
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
    const left = await withSystem(t.db, async (tx) => tx.execute(sql`select count(*)::int as n from contacts where id = ${synced!}::uuid`));
    expect((((left as { rows?: unknown[] }).rows ?? left) as { n: number }[])[0]!.n).toBe(0);
  });
});

/**
 * Wall 2 against wall 3: the TypeScript rule (visibleContacts) evaluated with RLS switched off must return exactly
 * the rows RLS alone returns with no TypeScript filter, for every viewer over every kind of contact.
 */
describe.each(testBackends())("visibleContacts states the contacts_read policy (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let staff: string;
  afterEach(() => setWallForTest("rls", true));

  const idsUnderRls = (viewer: ContactViewer) =>
    withTenant(t.db, viewer, async (tx) => (await tx.select({ id: contacts.id }).from(contacts)).map((r) => r.id).sort());
  const idsUnderTsRule = async (viewer: ContactViewer) => {
    setWallForTest("rls", false);
    try {
      return await withTenant(t.db, viewer, async (tx) => (await tx.select({ id: contacts.id }).from(contacts).where(visibleContacts(viewer))).map((r) => r.id).sort());
    } finally {
      setWallForTest("rls", true);
    }
  };
  const viewer = (userId: string, role: AccessRole): ContactViewer => ({ orgId: f.orgA, userId, role });

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "vis");
    staff = await withSystem(t.db, async (tx) => {
      const [row] = await tx.insert(users).values({ email: "staff@vis.test", name: "staff", emailVerifiedAt: new Date(), isStaff: true }).returning({ id: users.id });
      await tx.insert(supportAccessGrants).values({ orgId: f.orgA, staffUserId: row!.id, reason: "ticket 1", expiresAt: new Date(Date.now() + 3_600_000) });
      return row!.id;
    });
  }, 60_000);
  afterAll(async () => t?.drop());

  it("a volunteer assigned someone else's unreported synced contact: RLS hides it, and so does the TypeScript rule", async () => {
    const [hidden] = await withTenant(t.db, { orgId: f.orgA }, (tx) =>
      insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Cousin Bea" })], { source: "sync", syncedBy: f.volunteer2, assignedTo: f.volunteer }),
    );
    const volunteer = viewer(f.volunteer, "volunteer");
    try {
      expect(await idsUnderRls(volunteer)).not.toContain(hidden);
      expect(await idsUnderTsRule(volunteer)).not.toContain(hidden);
    } finally {
      await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.delete(contacts).where(eq(contacts.id, hidden!)));
    }
  });

  it("returns the same rows as RLS for every combination of syncer, assignee and report, for every role", async () => {
    const people = [f.owner, f.admin, f.volunteer, f.volunteer2];
    const reportKinds = ["none", "draft by syncer", "completed by syncer", "completed by someone else"] as const;
    const made: { id: string; syncedBy: string | null; assignedTo: string | null; report: (typeof reportKinds)[number] }[] = [];
    // The campaign's system scope writes what no one person could (other people's synced contacts and reports).
    await withTenant(t.db, { orgId: f.orgA }, async (tx) => {
      for (const syncedBy of [null, ...people])
        for (const assignedTo of [null, ...people]) {
          const inputs = reportKinds.map((r) => contactInputSchema.parse({ name: `${syncedBy ?? "campaign"} ${assignedTo ?? "nobody"} ${r}` }));
          const ids = await insertContacts(tx, f.orgA, inputs, { source: syncedBy ? "sync" : "manual", syncedBy, assignedTo });
          ids.forEach((id, i) => made.push({ id, syncedBy, assignedTo, report: reportKinds[i]! }));
        }
      for (const c of made) {
        if (c.report === "none") continue;
        const syncer = c.syncedBy ?? f.volunteer;
        const filedBy = c.report === "completed by someone else" ? people.find((p) => p !== syncer)! : syncer;
        await tx.insert(reports).values({ id: randomUUID(), orgId: f.orgA, contactId: c.id, filedBy, outcome: "reached", completedAt: c.report === "draft by syncer" ? null : new Date() });
      }
    });
    expect(made).toHaveLength(100);

    const viewers = [viewer(f.owner, "owner"), viewer(f.admin, "admin"), viewer(staff, "support"), viewer(f.volunteer, "volunteer"), viewer(f.volunteer2, "volunteer")];
    for (const v of viewers) expect({ viewer: v.role, ids: await idsUnderTsRule(v) }).toEqual({ viewer: v.role, ids: await idsUnderRls(v) });

    // The decided rule, spelled out: managers see campaign contacts, reported synced ones and their own; a volunteer
    // sees their own synced contacts and, of those assigned to them, the ones managers could see.
    const reported = (c: (typeof made)[number]) => c.syncedBy !== null && c.report === "completed by syncer";
    const managerRule = (me: string) => made.filter((c) => c.syncedBy === null || c.syncedBy === me || reported(c));
    const volunteerRule = (me: string) => made.filter((c) => c.syncedBy === me || (c.assignedTo === me && (c.syncedBy === null || reported(c))));
    const ids = (rows: typeof made) => rows.map((c) => c.id).sort();
    expect(await idsUnderRls(viewer(f.admin, "admin"))).toEqual(ids(managerRule(f.admin)));
    expect(await idsUnderRls(viewer(staff, "support"))).toEqual(ids(managerRule(staff)));
    expect(await idsUnderRls(viewer(f.volunteer, "volunteer"))).toEqual(ids(volunteerRule(f.volunteer)));
    expect(await idsUnderRls(viewer(f.outsider, "volunteer"))).toEqual([]);
    expect(await idsUnderTsRule(viewer(f.owner, "volunteer"))).toEqual(ids(volunteerRule(f.owner)));
  });
});
