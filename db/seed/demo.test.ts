import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { count, eq } from "drizzle-orm";
import { actionAssignees, actions, actionTargets, contactLists, contacts, imports, memberships, organizations, reports, users } from "@/db/schema";
import { listActivity } from "@/lib/audit";
import { sealedActions, sealedContacts, sealedReports } from "@/lib/contacts/sealed";
import { blindIndexer } from "@/lib/crypto";
import type { Transaction } from "@/lib/db/client";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { answersSchema, surveyKeys } from "@/lib/reports/survey";
import { can } from "@/lib/tenancy/permissions";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { dashboardCounts } from "@/lib/workspace/dashboard";
import { demoAccounts, DemoRefusedError, prepareDemoData, seedDemoExplicitly } from "./demo";
import { demoTags, REQUESTER_EMAIL } from "./workspace";

describe("demo data", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("pglite");
  });
  afterAll(async () => t?.drop());

  it("loads once into a database created empty for it, with the accounts and roles of DESIGN.md", async () => {
    expect(await prepareDemoData({ ...t, createdNow: true }, "orange-lantern-harbor-42")).toBe("seeded");
    expect(await prepareDemoData({ ...t, createdNow: false }, "orange-lantern-harbor-42")).toBe("skipped");
    const rows = await withSystem(t.db, (tx) =>
      tx
        .select({ email: users.email, slug: organizations.slug, role: memberships.role })
        .from(users)
        .leftJoin(memberships, eq(memberships.userId, users.id))
        .leftJoin(organizations, eq(organizations.id, memberships.orgId)),
    );
    for (const a of demoAccounts) expect(rows).toContainEqual({ email: a.email, slug: a.org ?? null, role: a.role ?? null });
    const [staff] = await withSystem(t.db, (tx) => tx.select({ isStaff: users.isStaff }).from(users).where(eq(users.email, "staff@rampart.test")));
    expect(staff?.isStaff).toBe(true);
  });

  it("gives the demo campaign a real activity feed", async () => {
    const [org] = await withSystem(t.db, (tx) => tx.select().from(organizations).where(eq(organizations.slug, "demo-campaign")));
    const [owner] = await withSystem(t.db, (tx) => tx.select().from(users).where(eq(users.email, "owner@demo.test")));
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const page = await listActivity(t.db, { orgId: org!.id, userId: owner!.id, role: "owner" }, { before, limit: 100 });
      seen.push(...page.events.map((e) => e.action));
      before = page.nextCursor;
    } while (before);
    expect(seen).toEqual(
      expect.arrayContaining(["org.created", "member.invitation.accepted", "contact.created", "contacts.synced", "action.created", "action.deleted", "report.completed"]),
    );
  });

  it("refuses a database that was not created empty for it", async () => {
    await expect(seedDemoExplicitly({ ...t, createdNow: false }, "orange-lantern-harbor-42")).rejects.toBeInstanceOf(DemoRefusedError);
    const [n] = await withSystem(t.db, (tx) => tx.select({ n: count() }).from(users));
    expect(n?.n).toBe(demoAccounts.length);
  });

  it("never seeds an existing database it did not create", async () => {
    const other = await createTestDatabase("pglite");
    try {
      await withSystem(other.db, (tx) => tx.insert(users).values({ email: "real@campaign.test", name: "Real" }));
      expect(await prepareDemoData({ ...other, createdNow: false }, "orange-lantern-harbor-42")).toBe("skipped");
      const [n] = await withSystem(other.db, (tx) => tx.select({ n: count() }).from(users));
      expect(n?.n).toBe(1);
    } finally {
      await other.drop();
    }
  });
});

describe.each(testBackends())("demo workspace (%s)", (backend) => {
  let t: TestDatabase;
  const ids: Record<string, string> = {};
  const as = <T>(email: string, fn: (tx: Transaction) => Promise<T>, org = "demo-campaign") => withTenant(t.db, { orgId: ids[org]!, userId: ids[email]! }, fn);
  const visibleContacts = (email: string, org?: string) =>
    as(email, async (tx) => sealedContacts.openAll(tx, await tx.select().from(contacts)), org);

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    const started = performance.now();
    await seedDemoExplicitly(t, "orange-lantern-harbor-42");
    // Embedded start-up seeds on first open: it must stay quick (argon2 for the accounts included).
    expect(performance.now() - started).toBeLessThan(backend === "pglite" ? 15_000 : 10_000);
    await withSystem(t.db, async (tx) => {
      for (const u of await tx.select({ id: users.id, email: users.email }).from(users)) ids[u.email] = u.id;
      for (const o of await tx.select({ id: organizations.id, slug: organizations.slug }).from(organizations)) ids[o.slug] = o.id;
    });
  }, 60_000);
  afterAll(async () => t?.drop());

  it("managers see the 84 campaign contacts (4 from the demo import) and, of the synced ones, only the one a volunteer completed a report on", async () => {
    const seen = await visibleContacts("admin@demo.test");
    expect(seen).toHaveLength(85);
    expect(seen.filter((c) => c.syncedBy !== null).map((c) => [c.name, c.syncedBy])).toEqual([["Rosie Marsh", ids["volunteer@demo.test"]]]);
    const counts = await as("admin@demo.test", (tx) =>
      dashboardCounts(tx, { orgId: ids["demo-campaign"]!, userId: ids["admin@demo.test"]!, can: (p) => can("admin", p) }),
    );
    expect(counts).toMatchObject({ view: "manager", contacts: 85, actions: 5, members: 4, volunteers: 2 });
  });

  it("each volunteer sees exactly the contacts assigned to them and the ones they synced", async () => {
    const mine = await visibleContacts("volunteer@demo.test");
    expect(mine.filter((c) => c.assignedTo === ids["volunteer@demo.test"] && c.syncedBy === null)).toHaveLength(10);
    expect(mine.filter((c) => c.syncedBy === ids["volunteer@demo.test"])).toHaveLength(5);
    expect(mine).toHaveLength(15);
    const theirs = await visibleContacts("volunteer2@demo.test");
    expect(theirs.filter((c) => c.assignedTo === ids["volunteer2@demo.test"] && c.syncedBy === null)).toHaveLength(6);
    expect(theirs.filter((c) => c.syncedBy === ids["volunteer2@demo.test"])).toHaveLength(3);
    expect(theirs).toHaveLength(9);
    const counts = await as("volunteer@demo.test", (tx) =>
      dashboardCounts(tx, { orgId: ids["demo-campaign"]!, userId: ids["volunteer@demo.test"]!, can: (p) => can("volunteer", p) }),
    );
    expect(counts).toMatchObject({ view: "volunteer", assignedContacts: 10, syncedContacts: 5, actions: 2 });
  });

  it("has an import history: one finished import with refused rows, one rolled back", async () => {
    const history = await withTenant(t.db, { orgId: ids["demo-campaign"]! }, (tx) =>
      tx.select({ status: imports.status, created: imports.created, failed: imports.failed, rollbackDone: imports.rollbackDone }).from(imports).orderBy(imports.createdAt),
    );
    expect(history).toEqual([
      { status: "succeeded", created: 4, failed: 3, rollbackDone: 0 },
      { status: "rolled_back", created: 3, failed: 0, rollbackDone: 3 },
    ]);
  });

  it("holds fictional details only: example domains, drama-range or 555-01xx numbers, campaign tags, two lists, the requester's address", async () => {
    const all = await withTenant(t.db, { orgId: ids["demo-campaign"]! }, async (tx) => sealedContacts.openAll(tx, await tx.select().from(contacts)));
    expect(all).toHaveLength(92);
    for (const c of all) {
      if (c.email) expect(c.email).toMatch(/@example\.(org|com|net)$/);
      if (c.phone) expect(c.phone).toMatch(/^(\+44 20 7946 0\d{3}|\+1 \d{3}-555-01\d{2})$/);
      for (const tag of c.tags) expect(demoTags).toContain(tag);
    }
    expect(all.filter((c) => c.email === REQUESTER_EMAIL)).toHaveLength(1);
    expect(all.filter((c) => c.notes).length).toBeGreaterThanOrEqual(3);
    const lists = await as("admin@demo.test", (tx) => tx.select({ name: contactLists.name }).from(contactLists));
    expect(lists.map((l) => l.name).sort()).toEqual(["Phone bank – week 1", "Ward 5 doors"]);
    const found = await as("admin@demo.test", async (tx) => {
      const index = await blindIndexer(tx, ids["demo-campaign"]!);
      return tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.emailIndex, index("email", "Requester@Example.org")));
    });
    expect(found).toHaveLength(1);
  });

  it("has one live action of each kind with instructions and dates ahead, one in the trash, and volunteers' targets among their own contacts", async () => {
    const all = await as("admin@demo.test", async (tx) => sealedActions.openAll(tx, await tx.select().from(actions)));
    const live = all.filter((a) => a.deletedAt === null);
    expect(live.map((a) => a.kind).sort()).toEqual(["call", "canvass", "event", "petition", "text"]);
    for (const a of live) {
      expect(a.instructions?.length).toBeGreaterThan(20);
      expect(a.startsAt!.getTime()).toBeGreaterThan(Date.now());
    }
    const trashed = all.filter((a) => a.deletedAt !== null);
    expect(trashed).toHaveLength(1);
    expect(trashed[0]!.deletedBy).toBe(ids["admin@demo.test"]);
    expect(Math.round((Date.now() - trashed[0]!.deletedAt!.getTime()) / 86_400_000)).toBe(3);
    for (const email of ["volunteer@demo.test", "volunteer2@demo.test"]) {
      const given = await as(email, (tx) => tx.select({ id: actions.id }).from(actions));
      expect(given).toHaveLength(2);
      const assigned = new Set((await visibleContacts(email)).filter((c) => c.assignedTo === ids[email]).map((c) => c.id));
      const targets = await as(email, (tx) =>
        tx.select({ contactId: actionTargets.contactId, userId: actionAssignees.userId }).from(actionTargets).innerJoin(actionAssignees, eq(actionAssignees.actionId, actionTargets.actionId)),
      );
      const mineOnly = targets.filter((r) => r.userId === ids[email]).map((r) => r.contactId);
      expect(mineOnly.length).toBeGreaterThan(0);
      const onlyTheirs = await withSystem(t.db, async (tx) => {
        const assignees = await tx.select().from(actionAssignees);
        const solo = new Set(assignees.filter((a) => a.userId === ids[email] && assignees.filter((b) => b.actionId === a.actionId).length === 1).map((a) => a.actionId));
        return (await tx.select().from(actionTargets)).filter((r) => solo.has(r.actionId)).map((r) => r.contactId);
      });
      for (const id of onlyTheirs) expect(assigned.has(id)).toBe(true);
    }
  });

  it("has twelve completed reports by the volunteers with survey answers when reached, and one draft only its author sees", async () => {
    const completed = await as("admin@demo.test", async (tx) => sealedReports.openAll(tx, await tx.select().from(reports)));
    expect(completed).toHaveLength(12);
    expect(new Set(completed.map((r) => r.filedBy))).toEqual(new Set([ids["volunteer@demo.test"], ids["volunteer2@demo.test"]]));
    expect(new Set(completed.map((r) => r.outcome)).size).toBeGreaterThanOrEqual(5);
    for (const r of completed.filter((x) => x.outcome === "reached")) expect(answersSchema.parse(r.answers)).toEqual(r.answers);
    expect(completed.filter((r) => r.outcome === "reached").every((r) => Object.keys(r.answers ?? {}).length === surveyKeys.length)).toBe(true);
    const v2 = await as("volunteer2@demo.test", (tx) => tx.select({ completedAt: reports.completedAt }).from(reports));
    expect(v2.filter((r) => r.completedAt === null)).toHaveLength(1);
    const v1 = await as("volunteer@demo.test", (tx) => tx.select({ completedAt: reports.completedAt }).from(reports));
    expect(v1.every((r) => r.completedAt !== null)).toBe(true);
  });

  it("gives the rival campaign five contacts of its own, out of the demo campaign's sight", async () => {
    expect(await visibleContacts("owner@rival.test", "rival-campaign")).toHaveLength(5);
    expect(await visibleContacts("owner@rival.test")).toHaveLength(0);
  });
});
