import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { actionAssignees, actions, contacts, reports } from "@/db/schema";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { withTenant } from "@/lib/db/tenant";
import { can, type AccessRole } from "@/lib/tenancy/permissions";
import { setWallForTest } from "@/lib/tenancy/walls";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { dashboardCounts, startChecklist, startOfWeek, type ManagerDashboard } from "./dashboard";

describe("startOfWeek", () => {
  it("is Monday 00:00 UTC, Sunday belonging to the week before", () => {
    expect(startOfWeek(new Date("2026-03-04T15:00:00Z")).toISOString()).toBe("2026-03-02T00:00:00.000Z");
    expect(startOfWeek(new Date("2026-03-02T00:00:00Z")).toISOString()).toBe("2026-03-02T00:00:00.000Z");
    expect(startOfWeek(new Date("2026-03-08T23:59:59Z")).toISOString()).toBe("2026-03-02T00:00:00.000Z");
  });
});

describe("startChecklist", () => {
  const counts = (c: Partial<ManagerDashboard>): ManagerDashboard => ({ view: "manager", contacts: 0, contactsExact: true, actions: 0, members: 1, volunteers: 0, reportsThisWeek: 0, ...c });

  it("lists the three first steps of a new campaign, none done", () => {
    expect(startChecklist("new", counts({}))).toEqual([
      { key: "invite", label: "Invite your volunteers", href: "/o/new/volunteers", done: false },
      { key: "contacts", label: "Add or import contacts", href: "/o/new/contacts/new", done: false },
      { key: "actions", label: "Create your first action", href: "/o/new/actions/new", done: false },
    ]);
  });

  it("ticks each step when done and disappears once all are", () => {
    expect(startChecklist("c", counts({ members: 2, contacts: 3 }))?.map((i) => [i.key, i.done])).toEqual([
      ["invite", true],
      ["contacts", true],
      ["actions", false],
    ]);
    expect(startChecklist("c", counts({ members: 2, contacts: 1, actions: 1 }))).toBeNull();
  });
});

describe.each(testBackends())("dashboard counts (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  const now = new Date();
  const roles = () => new Map<string, AccessRole>([[f.owner, "owner"], [f.admin, "admin"], [f.volunteer, "volunteer"], [f.volunteer2, "volunteer"], [f.ownerB, "owner"]]);
  const countsOf = (userId: string, role: AccessRole = roles().get(userId)!, orgId = f.orgA) =>
    withTenant(t.db, { orgId, userId }, (tx) => dashboardCounts(tx, { orgId, userId, can: (p) => can(role, p) }, now));
  const people = (...names: string[]) => names.map((name) => contactInputSchema.parse({ name }));

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "dash");
    const asAdmin = { orgId: f.orgA, userId: f.admin };
    await withTenant(t.db, asAdmin, async (tx) => {
      await insertContacts(tx, f.orgA, people("Ana Ruiz", "Ben Cole", "Chen Wei"), { source: "manual", createdBy: f.admin });
      await insertContacts(tx, f.orgA, people("Dara Obi", "Eli Stone"), { source: "manual", createdBy: f.admin, assignedTo: f.volunteer });
      await insertContacts(tx, f.orgA, people("Fay Lund"), { source: "manual", createdBy: f.admin, assignedTo: f.volunteer2 });
    });
    const [reported] = await withTenant(t.db, { orgId: f.orgA, userId: f.volunteer }, (tx) =>
      insertContacts(tx, f.orgA, people("Gus Hale", "Ida Moss"), { source: "sync", syncedBy: f.volunteer, createdBy: f.volunteer }),
    );
    await withTenant(t.db, { orgId: f.orgA, userId: f.volunteer2 }, (tx) =>
      insertContacts(tx, f.orgA, people("Jon Park"), { source: "sync", syncedBy: f.volunteer2, createdBy: f.volunteer2 }),
    );
    await withTenant(t.db, { orgId: f.orgB, userId: f.ownerB }, (tx) => insertContacts(tx, f.orgB, people("Kim Ray", "Lee Fox"), { source: "manual", createdBy: f.ownerB }));

    const [live, other, trashed] = [randomUUID(), randomUUID(), randomUUID()];
    await withTenant(t.db, asAdmin, async (tx) => {
      await tx.insert(actions).values([
        { id: live, orgId: f.orgA, kind: "call", title: "Phone bank" },
        { id: other, orgId: f.orgA, kind: "event", title: "Rally" },
        { id: trashed, orgId: f.orgA, kind: "text", title: "Old texts", deletedAt: new Date(), deletedBy: f.admin },
      ]);
      await tx.insert(actionAssignees).values([
        { actionId: live, userId: f.volunteer, orgId: f.orgA },
        { actionId: trashed, userId: f.volunteer, orgId: f.orgA },
      ]);
    });
    await withTenant(t.db, { orgId: f.orgA, userId: f.volunteer }, async (tx) => {
      const mine = await tx.select({ id: contacts.id, assignedTo: contacts.assignedTo }).from(contacts);
      const onAssigned = mine.find((c) => c.assignedTo === f.volunteer)!.id;
      const lastWeek = new Date(startOfWeek(now).getTime() - 2 * 86_400_000);
      await tx.insert(reports).values([
        { id: randomUUID(), orgId: f.orgA, contactId: onAssigned, filedBy: f.volunteer, outcome: "reached", completedAt: now },
        { id: randomUUID(), orgId: f.orgA, contactId: reported!, filedBy: f.volunteer, outcome: "reached", completedAt: now },
        { id: randomUUID(), orgId: f.orgA, contactId: onAssigned, filedBy: f.volunteer, outcome: "no_answer", completedAt: lastWeek },
      ]);
    });
    await withTenant(t.db, { orgId: f.orgA, userId: f.volunteer2 }, async (tx) => {
      const [mine] = await tx.select({ id: contacts.id }).from(contacts).limit(1);
      await tx.insert(reports).values({ id: randomUUID(), orgId: f.orgA, contactId: mine!.id, filedBy: f.volunteer2, outcome: "reached" });
    });
  }, 60_000);
  afterAll(async () => t?.drop());
  afterEach(() => setWallForTest("rls", true));

  const managerView = { view: "manager", contacts: 7, contactsExact: true, actions: 2, members: 4, volunteers: 2, reportsThisWeek: 2 };
  const volunteerView = { view: "volunteer", assignedContacts: 2, syncedContacts: 2, actions: 1, reportsThisWeek: 2 };
  const volunteer2View = { view: "volunteer", assignedContacts: 1, syncedContacts: 1, actions: 0, reportsThisWeek: 0 };

  it("managers count the campaign: its contacts with only the reported synced one, live actions, members, this week's completed reports", async () => {
    expect(await countsOf(f.owner)).toEqual(managerView);
    expect(await countsOf(f.admin)).toEqual(managerView);
  });

  it("counts the campaign's contacts only up to the cap, then says so (no whole-campaign count per view)", async () => {
    const at = (cap: number) => withTenant(t.db, { orgId: f.orgA, userId: f.admin }, (tx) => dashboardCounts(tx, { orgId: f.orgA, userId: f.admin, can: (p) => can("admin", p) }, now, cap));
    expect(await at(2)).toMatchObject({ contacts: 2, contactsExact: false, actions: 2 });
    expect(await at(7)).toMatchObject({ contacts: 7, contactsExact: true });
    expect(await at(6)).toMatchObject({ contacts: 6, contactsExact: false });
  });

  it("support staff read the campaign's counts but no members count without members:read", async () => {
    const counts = await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, (tx) =>
      dashboardCounts(tx, { orgId: f.orgA, userId: f.admin, can: (p) => p !== "members:read" && can("support", p) }, now),
    );
    expect(counts).toEqual({ ...managerView, members: null, volunteers: null });
  });

  it("a volunteer counts only what is assigned to them, what they synced, their live actions and their own reports", async () => {
    expect(await countsOf(f.volunteer)).toEqual(volunteerView);
    expect(await countsOf(f.volunteer2)).toEqual(volunteer2View);
  });

  it("another campaign counts only its own rows", async () => {
    expect(await countsOf(f.ownerB, "owner", f.orgB)).toEqual({ view: "manager", contacts: 2, contactsExact: true, actions: 0, members: 1, volunteers: 0, reportsThisWeek: 0 });
  });

  it("with row-level security off, the explicit filters alone give each person the same counts (wall 2)", async () => {
    setWallForTest("rls", false);
    expect(await countsOf(f.admin)).toEqual(managerView);
    expect(await countsOf(f.volunteer)).toEqual(volunteerView);
    expect(await countsOf(f.volunteer2)).toEqual(volunteer2View);
    expect(await countsOf(f.ownerB, "owner", f.orgB)).toMatchObject({ contacts: 2, actions: 0, members: 1 });
  });

  it("refuses a viewer who may read no contacts at all", async () => {
    await expect(withTenant(t.db, { orgId: f.orgA, userId: f.outsider }, (tx) => dashboardCounts(tx, { orgId: f.orgA, userId: f.outsider, can: () => false }, now))).rejects.toThrow(
      TypeError,
    );
  });
});
