import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionAssignees, actions, auditEvents, contactListMembers, contactLists } from "@/db/schema";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import type { AccessRole } from "@/lib/tenancy/permissions";
import { RuleError } from "@/lib/errors";
import { addCampaignAction, trashCampaignAction, updateCampaignAction } from "./commands";
import { getCampaignAction, listCampaignActions, type ManagerCampaignActionView, type VolunteerCampaignActionView } from "./queries";
import { countCampaignActionTrash, listCampaignActionTrash, purgeCampaignAction, restoreCampaignAction } from "./trash";
import type { CampaignActionViewer } from "./viewer";

describe.each(testBackends())("campaign actions (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  const c: Record<string, string | undefined> = {};
  let listId: string;

  const viewer = (userId: string, role: AccessRole, orgId = f.orgA): CampaignActionViewer => ({ orgId, userId, role });
  const owner = () => viewer(f.owner, "owner");
  const admin = () => viewer(f.admin, "admin");
  const vol = () => viewer(f.volunteer, "volunteer");
  const vol2 = () => viewer(f.volunteer2, "volunteer");
  const as = <T>(v: CampaignActionViewer, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(t.db, { orgId: v.orgId, userId: v.userId }, fn);
  const create = (v: CampaignActionViewer, input: Parameters<typeof addCampaignAction>[2]) => as(v, (tx) => addCampaignAction(tx, v, input));
  const events = (action: string, id: string) =>
    withTenant(t.db, { orgId: f.orgA }, (tx) =>
      tx
        .select({ actorKind: auditEvents.actorKind, actorId: auditEvents.actorId, metadata: auditEvents.metadata })
        .from(auditEvents)
        .where(and(eq(auditEvents.action, action), eq(auditEvents.targetId, id))),
    );
  const countActions = () => withTenant(t.db, { orgId: f.orgA }, async (tx) => (await tx.select({ id: actions.id }).from(actions)).length);

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db);
    const input = (name: string, extra: Record<string, unknown> = {}) => contactInputSchema.parse({ name, ...extra });
    await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, async (tx) => {
      [c.mine] = await insertContacts(tx, f.orgA, [input("Maria Lopez", { phone: "+44 20 7946 0958", notes: "likes dogs", tags: ["ward-5"] })], {
        source: "manual",
        createdBy: f.admin,
        assignedTo: f.volunteer,
      });
      [c.theirs] = await insertContacts(tx, f.orgA, [input("Sam Okafor", { email: "sam@example.org", tags: ["ward-5"] })], { source: "manual", assignedTo: f.volunteer2 });
      [c.nobody] = await insertContacts(tx, f.orgA, [input("Lee Chan")], { source: "manual" });
      const [list] = await tx.insert(contactLists).values({ orgId: f.orgA, name: "Phone bank" }).returning({ id: contactLists.id });
      listId = list!.id;
      await tx.insert(contactListMembers).values([c.nobody!].map((contactId) => ({ listId, contactId, orgId: f.orgA })));
    });
    [c.synced] = await withTenant(t.db, { orgId: f.orgA, userId: f.volunteer }, (tx) =>
      insertContacts(tx, f.orgA, [input("Aunt Jo")], { source: "sync", syncedBy: f.volunteer, createdBy: f.volunteer }),
    );
    await withTenant(t.db, { orgId: f.orgB, userId: f.ownerB }, async (tx) => {
      [c.otherCampaign] = await insertContacts(tx, f.orgB, [input("Rival Person")], { source: "manual" });
    });
  }, 120_000);
  afterAll(async () => t?.drop());

  describe("creating", () => {
    it.each([
      [{ kind: "call", title: "" }, /Enter a title/],
      [{ kind: "call", title: "x".repeat(121) }, /at most 120 characters/],
      [{ kind: "call", title: "Calls", instructions: "x".repeat(10_001) }, /at most 10,000 characters/],
      [{ kind: "poster", title: "Posters" }, /Choose a kind/],
      [{ kind: "event", title: "Rally", startsAt: "2026-05-02T10:00", endsAt: "2026-05-01T10:00" }, /end must not be before the start/],
      [{ kind: "event", title: "Rally", startsAt: "tomorrow-ish" }, /Enter a date and time/],
    ])("refuses bad input %#", async (input, message) => {
      const before = await countActions();
      await expect(create(admin(), input as Parameters<typeof addCampaignAction>[2])).rejects.toThrow(message);
      expect(await countActions()).toBe(before);
    });

    it("refuses assignees who are not members of the campaign, writing nothing", async () => {
      const before = await countActions();
      for (const who of [f.outsider, f.ownerB, randomUUID()]) {
        const err = await create(admin(), { kind: "call", title: "Calls", assignees: [f.volunteer, who] }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RuleError);
        expect((err as RuleError).fieldErrors?.assignees).toMatch(/members of this campaign/);
      }
      expect(await countActions()).toBe(before);
    });

    it("refuses contacts the manager cannot see (a volunteer's unreported synced contact, another campaign's)", async () => {
      for (const id of [c.synced!, c.otherCampaign!]) {
        await expect(create(admin(), { kind: "call", title: "Calls", contactIds: [id] })).rejects.toThrow(/not available/);
      }
      await expect(create(admin(), { kind: "call", title: "Calls", listId: randomUUID() })).rejects.toThrow(/list does not exist/);
    });

    it("takes targets from a list, a tag and ids; seals the instructions; records action.created", async () => {
      const id = await create(admin(), {
        kind: "canvass",
        title: "Ward 5 doors",
        instructions: "Meet at the Crown pub, 12 High Street",
        startsAt: "2026-05-01T10:00",
        endsAt: "2026-05-01T14:00",
        assignees: [f.volunteer, f.admin],
        listId,
        tag: "ward-5",
      });
      const view = (await as(owner(), (tx) => getCampaignAction(tx, owner(), id))) as ManagerCampaignActionView;
      expect(view.view).toBe("manager");
      expect(view.instructions).toBe("Meet at the Crown pub, 12 High Street");
      expect([view.startsAt?.toISOString(), view.endsAt?.toISOString()]).toEqual(["2026-05-01T10:00:00.000Z", "2026-05-01T14:00:00.000Z"]);
      expect(view.targetCount).toBe(3);
      expect(view.targets.map((x) => x.name).sort()).toEqual(["Lee Chan", "Maria Lopez", "Sam Okafor"]);
      expect(view.assignees.map((a) => a.userId).sort()).toEqual([f.volunteer, f.admin].sort());
      expect(await events("action.created", id)).toEqual([{ actorKind: "member", actorId: f.admin, metadata: {} }]);

      const [raw] = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select({ instructions: actions.instructions }).from(actions).where(eq(actions.id, id)));
      const bytes = Buffer.from(raw!.instructions as unknown as Uint8Array);
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.includes(Buffer.from("Crown pub"))).toBe(false);
      expect(bytes.toString("latin1")).not.toContain("High Street");
    });
  });

  describe("volunteers", () => {
    let given: string;
    let other: string;
    let trashed: string;

    beforeAll(async () => {
      given = await create(admin(), { kind: "call", title: "Call round", instructions: "Be kind", assignees: [f.volunteer, f.volunteer2], contactIds: [c.mine!, c.theirs!, c.nobody!] });
      other = await create(admin(), { kind: "text", title: "Texting", assignees: [f.volunteer2], contactIds: [c.theirs!] });
      trashed = await create(admin(), { kind: "petition", title: "Old petition", assignees: [f.volunteer] });
      await as(admin(), (tx) => trashCampaignAction(tx, admin(), trashed));
    });

    it("list only the live actions given to them, counting only their own targets and no assignees", async () => {
      const mine = await as(vol(), (tx) => listCampaignActions(tx, vol()).then((p) => p.rows));
      expect(mine.map((a) => a.id)).toContain(given);
      expect(mine.map((a) => a.id)).not.toContain(other);
      expect(mine.map((a) => a.id)).not.toContain(trashed);
      expect(mine.find((a) => a.id === given)).toMatchObject({ title: "Call round", targetCount: 1, assigneeCount: null });
      expect((await as(vol2(), (tx) => listCampaignActions(tx, vol2()).then((p) => p.rows))).map((a) => a.id)).toEqual(expect.arrayContaining([given, other]));
      const managed = await as(admin(), (tx) => listCampaignActions(tx, admin()).then((p) => p.rows));
      expect(managed.find((a) => a.id === given)).toMatchObject({ assigneeCount: 2, targetCount: 3 });
      expect(managed.map((a) => a.id)).not.toContain(trashed);
    });

    it("get null for an action not given to them and for a deleted one given to them", async () => {
      expect(await as(vol(), (tx) => getCampaignAction(tx, vol(), other))).toBeNull();
      expect(await as(vol(), (tx) => getCampaignAction(tx, vol(), trashed))).toBeNull();
      expect(await as(vol(), (tx) => getCampaignAction(tx, vol(), "not-a-uuid"))).toBeNull();
    });

    it("see only the targets visible to them, with reach-out fields only", async () => {
      const view = (await as(vol(), (tx) => getCampaignAction(tx, vol(), given))) as VolunteerCampaignActionView;
      expect(view.view).toBe("volunteer");
      expect(view.instructions).toBe("Be kind");
      expect(view.targets).toEqual([{ contactId: c.mine, name: "Maria Lopez", phone: "+44 20 7946 0958", email: null, address: null }]);
      expect(view).not.toHaveProperty("assignees");
      expect(JSON.stringify(view)).not.toContain("likes dogs");
      const view2 = (await as(vol2(), (tx) => getCampaignAction(tx, vol2(), given))) as VolunteerCampaignActionView;
      expect(view2.targets.map((x) => x.contactId)).toEqual([c.theirs]);
    });

    it("cannot create, change, delete, restore or purge through the lib", async () => {
      await expect(create(vol(), { kind: "call", title: "Mine" })).rejects.toThrow(RuleError);
      await expect(as(vol(), (tx) => updateCampaignAction(tx, vol(), given, { title: "Hijacked" }))).rejects.toThrow(RuleError);
      await expect(as(vol(), (tx) => trashCampaignAction(tx, vol(), given))).rejects.toThrow(RuleError);
      await expect(as(vol(), (tx) => restoreCampaignAction(tx, vol(), trashed))).rejects.toThrow(RuleError);
      await expect(as(vol(), (tx) => purgeCampaignAction(tx, vol(), trashed))).rejects.toThrow(RuleError);
      await expect(as(vol(), (tx) => listCampaignActionTrash(tx, vol()))).rejects.toThrow(RuleError);
      expect(await as(vol(), (tx) => countCampaignActionTrash(tx, vol()))).toBe(0);
    });

    it("cannot create, change, delete, restore or assign themselves when calling the database directly (RLS)", async () => {
      const id = randomUUID();
      await expect(as(vol(), (tx) => tx.insert(actions).values({ id, orgId: f.orgA, kind: "call", title: "Direct" }))).rejects.toThrow();
      expect(await as(vol(), (tx) => tx.update(actions).set({ title: "Hijacked" }).where(eq(actions.id, given)).returning())).toEqual([]);
      expect(await as(vol(), (tx) => tx.update(actions).set({ deletedAt: new Date() }).where(eq(actions.id, given)).returning())).toEqual([]);
      expect(await as(vol(), (tx) => tx.update(actions).set({ deletedAt: null }).where(eq(actions.id, trashed)).returning())).toEqual([]);
      expect(await as(vol(), (tx) => tx.delete(actions).where(eq(actions.id, given)).returning())).toEqual([]);
      await expect(as(vol(), (tx) => tx.insert(actionAssignees).values({ actionId: other, userId: f.volunteer, orgId: f.orgA }))).rejects.toThrow();
      const still = (await as(admin(), (tx) => getCampaignAction(tx, admin(), given))) as ManagerCampaignActionView;
      expect(still.title).toBe("Call round");
      expect((await as(admin(), (tx) => listCampaignActionTrash(tx, admin()))).rows.map((i) => i.id)).toContain(trashed);
    });

    it("support staff read every live action but change nothing", async () => {
      const support = viewer(f.outsider, "support");
      await expect(as(admin(), (tx) => addCampaignAction(tx, support, { kind: "call", title: "x" }))).rejects.toThrow(RuleError);
      await expect(as(admin(), (tx) => restoreCampaignAction(tx, support, trashed))).rejects.toThrow(RuleError);
    });
  });

  describe("changing, trash and restore", () => {
    it("records one action.updated naming the changed fields, refuses an end before the start and a non-member", async () => {
      const id = await create(admin(), { kind: "event", title: "Rally", startsAt: "2026-06-01T18:00", assignees: [f.volunteer] });
      await expect(as(admin(), (tx) => updateCampaignAction(tx, admin(), id, { endsAt: new Date("2026-06-01T17:00Z") }))).rejects.toThrow(/end must not be before/);
      await expect(as(admin(), (tx) => updateCampaignAction(tx, admin(), id, { assignees: [f.ownerB] }))).rejects.toThrow(/members of this campaign/);
      const fields = await as(admin(), (tx) =>
        updateCampaignAction(tx, admin(), id, { title: "Big rally", instructions: "Bring a sign", assignees: [f.volunteer2], addTargets: { contactIds: [c.nobody!] } }),
      );
      expect([...fields].sort()).toEqual(["assignees", "instructions", "targets", "title"]);
      expect(await as(admin(), (tx) => updateCampaignAction(tx, admin(), id, { title: "Big rally" }))).toEqual([]);
      expect(await events("action.updated", id)).toEqual([{ actorKind: "member", actorId: f.admin, metadata: { fields } }]);
      expect(await as(vol(), (tx) => getCampaignAction(tx, vol(), id))).toBeNull();
      const removed = await as(admin(), (tx) => updateCampaignAction(tx, admin(), id, { removeTargets: [c.nobody!] }));
      expect(removed).toEqual(["targets"]);
    });

    it("soft delete takes an action out of every view and into the trash; restore brings it back", async () => {
      const id = await create(admin(), { kind: "call", title: "To trash", assignees: [f.volunteer] });
      await as(owner(), (tx) => trashCampaignAction(tx, owner(), id));
      expect((await as(admin(), (tx) => listCampaignActions(tx, admin()).then((p) => p.rows))).map((a) => a.id)).not.toContain(id);
      expect((await as(vol(), (tx) => listCampaignActions(tx, vol()).then((p) => p.rows))).map((a) => a.id)).not.toContain(id);
      expect(await as(admin(), (tx) => getCampaignAction(tx, admin(), id))).toBeNull();
      await expect(as(admin(), (tx) => trashCampaignAction(tx, admin(), id))).rejects.toThrow(RuleError);
      await expect(as(admin(), (tx) => updateCampaignAction(tx, admin(), id, { title: "x" }))).rejects.toThrow(RuleError);

      const trash = await as(admin(), (tx) => listCampaignActionTrash(tx, admin()));
      const item = trash.rows.find((i) => i.id === id)!;
      expect(trash.retentionDays).toBe(30);
      expect(item.deletedByName).toBe("owner");
      expect(item.purgeAfter.getTime() - item.deletedAt.getTime()).toBe(30 * 86_400_000);
      expect(await as(admin(), (tx) => countCampaignActionTrash(tx, admin()))).toBeGreaterThanOrEqual(1);
      expect(await events("action.deleted", id)).toEqual([{ actorKind: "member", actorId: f.owner, metadata: {} }]);

      await as(admin(), (tx) => restoreCampaignAction(tx, admin(), id));
      expect((await as(admin(), (tx) => listCampaignActions(tx, admin()).then((p) => p.rows))).map((a) => a.id)).toContain(id);
      expect((await as(vol(), (tx) => listCampaignActions(tx, vol()).then((p) => p.rows))).map((a) => a.id)).toContain(id);
      expect((await as(admin(), (tx) => listCampaignActionTrash(tx, admin()))).rows.map((i) => i.id)).not.toContain(id);
      expect(await events("action.restored", id)).toEqual([{ actorKind: "member", actorId: f.admin, metadata: {} }]);
      await expect(as(admin(), (tx) => restoreCampaignAction(tx, admin(), id))).rejects.toThrow(RuleError);
    });

    it("delete forever now removes only a trashed action, recording action.purged", async () => {
      const id = await create(admin(), { kind: "call", title: "Forever" });
      await expect(as(owner(), (tx) => purgeCampaignAction(tx, owner(), id))).rejects.toThrow(RuleError);
      await as(owner(), (tx) => trashCampaignAction(tx, owner(), id));
      await as(owner(), (tx) => purgeCampaignAction(tx, owner(), id));
      expect(await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select().from(actions).where(eq(actions.id, id)))).toEqual([]);
      expect(await events("action.purged", id)).toEqual([{ actorKind: "member", actorId: f.owner, metadata: {} }]);
    });

    it("another campaign's people see none of it", async () => {
      const id = await create(admin(), { kind: "call", title: "Private" });
      const b = viewer(f.ownerB, "owner", f.orgB);
      expect((await as(b, (tx) => listCampaignActions(tx, b).then((p) => p.rows))).map((a) => a.id)).not.toContain(id);
      expect(await as(b, (tx) => getCampaignAction(tx, b, id))).toBeNull();
      await expect(as(b, (tx) => trashCampaignAction(tx, b, id))).rejects.toThrow(RuleError);
    });
  });
});
