import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actions, auditEvents, organizations } from "@/db/schema";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { purgeExpiredActions, trashRetentionDays } from "./retention";
import { addCampaignAction, trashCampaignAction } from "./commands";
import type { CampaignActionViewer } from "./viewer";

const DAY_MS = 86_400_000;

describe("trashRetentionDays", () => {
  it("defaults to 30 and keeps within 1–365", () => {
    expect(trashRetentionDays(undefined)).toBe(30);
    expect(trashRetentionDays({ trashRetentionDays: "7" })).toBe(30);
    expect(trashRetentionDays({ trashRetentionDays: 7 })).toBe(7);
    expect(trashRetentionDays({ trashRetentionDays: 0 })).toBe(1);
    expect(trashRetentionDays({ trashRetentionDays: 9999 })).toBe(365);
  });
});

describe.each(testBackends())("purging the trash (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  const now = new Date();

  const trash = async (v: CampaignActionViewer, title: string, daysAgo: number) => {
    const id = await withTenant(t.db, { orgId: v.orgId, userId: v.userId }, async (tx) => {
      const id = await addCampaignAction(tx, v, { kind: "call", title });
      await trashCampaignAction(tx, v, id);
      return id;
    });
    await withTenant(t.db, { orgId: v.orgId }, (tx) =>
      tx
        .update(actions)
        .set({ deletedAt: new Date(now.getTime() - daysAgo * DAY_MS) })
        .where(eq(actions.id, id)),
    );
    return id;
  };
  const remaining = (orgId: string, ids: string[]) =>
    withTenant(t.db, { orgId }, async (tx) => (await tx.select({ id: actions.id }).from(actions).where(inArray(actions.id, ids))).map((r) => r.id).sort());
  const purgedEvents = (orgId: string) =>
    withTenant(t.db, { orgId }, (tx) =>
      tx
        .select({ targetId: auditEvents.targetId, actorKind: auditEvents.actorKind, actorId: auditEvents.actorId })
        .from(auditEvents)
        .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, "action.purged"))),
    );

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db);
  }, 120_000);
  afterAll(async () => t?.drop());

  it("removes actions trashed longer than each campaign's window, keeps younger and live ones, one system event each", async () => {
    const a: CampaignActionViewer = { orgId: f.orgA, userId: f.admin, role: "admin" };
    const b: CampaignActionViewer = { orgId: f.orgB, userId: f.ownerB, role: "owner" };
    // Campaign B keeps its trash for 90 days; A uses the default 30.
    await withSystem(t.db, (tx) => tx.update(organizations).set({ settings: { trashRetentionDays: 90 } }).where(eq(organizations.id, f.orgB)));

    const oldA = await trash(a, "Old", 31);
    const youngA = await trash(a, "Young", 29);
    const live = await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, (tx) => addCampaignAction(tx, a, { kind: "text", title: "Live" }));
    const midB = await trash(b, "Mid", 60);
    const oldB = await trash(b, "Ancient", 91);

    const sweep = await purgeExpiredActions(t.db, now);
    expect(sweep).toEqual({ purged: 2, failures: [] });
    expect(await remaining(f.orgA, [oldA, youngA, live])).toEqual([youngA, live].sort());
    expect(await remaining(f.orgB, [midB, oldB])).toEqual([midB]);
    expect(await purgedEvents(f.orgA)).toEqual([{ targetId: oldA, actorKind: "system", actorId: null }]);
    expect(await purgedEvents(f.orgB)).toEqual([{ targetId: oldB, actorKind: "system", actorId: null }]);

    expect(await purgeExpiredActions(t.db, now)).toEqual({ purged: 0, failures: [] });
    expect(await purgeExpiredActions(t.db, new Date(now.getTime() + 2 * DAY_MS))).toEqual({ purged: 1, failures: [] });
    expect(await remaining(f.orgA, [youngA])).toEqual([]);
  });
});
