import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { memberships, organizations, supportAccessGrants, users } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { resultRows, type Transaction } from "@/lib/db/client";
import { enterPersonForCampaign, withSystem, withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";

/**
 * The policies a member's feed request reads through (migration 0027: audit events, memberships, campaigns, support
 * grants, with their checks evaluated once per statement) let nothing more through than before: each read below is
 * a bare SELECT with no condition of its own, so only RLS decides what it returns. Another campaign's rows, a removed
 * or disabled member, a suspended campaign and a revoked grant see nothing; a volunteer sees their own part only.
 */
describe.each(testBackends())("the feed's policies after 0027 (%s)", (backend) => {
  let t: TestDatabase;
  const ids: Record<string, string> = {};
  const system = <T>(fn: (tx: Transaction) => Promise<T>) => withSystem(t.db, fn);

  type Seen = { events: string[]; memberships: string[]; orgs: string[]; grants: string[] };
  /** Everything RLS shows this person in a transaction entered for `orgId`, as "<campaign>:<who>" labels. */
  async function seen(tx: Transaction): Promise<Seen> {
    const label = (org: string | null) => (org === ids.a ? "A" : org === ids.b ? "B" : String(org));
    const name = (id: string | null) => Object.keys(ids).find((k) => ids[k] === id) ?? String(id);
    const rows = async <R>(q: ReturnType<typeof sql>) => resultRows<R>(await tx.execute(q));
    const events = await rows<{ org_id: string | null; actor_id: string | null; target_id: string | null }>(sql`select org_id, actor_id, target_id from audit_events`);
    const members = await rows<{ org_id: string; user_id: string }>(sql`select org_id, user_id from memberships`);
    const orgs = await rows<{ id: string }>(sql`select id from organizations`);
    const grants = await rows<{ org_id: string; staff_user_id: string }>(sql`select org_id, staff_user_id from support_access_grants`);
    return {
      events: events.map((e) => `${label(e.org_id)}:${name(e.actor_id)}>${e.target_id ? name(e.target_id) : "-"}`).sort(),
      memberships: members.map((m) => `${label(m.org_id)}:${name(m.user_id)}`).sort(),
      orgs: orgs.map((o) => label(o.id)).sort(),
      grants: grants.map((g) => `${label(g.org_id)}:${name(g.staff_user_id)}`).sort(),
    };
  }
  const inCampaign = (person: string, org: string) => withTenant(t.db, { orgId: ids[org]!, userId: ids[person]! }, seen);

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    await system(async (tx) => {
      const [a] = await tx.insert(organizations).values({ slug: "feed-a", name: "A" }).returning();
      const [b] = await tx.insert(organizations).values({ slug: "feed-b", name: "B" }).returning();
      Object.assign(ids, { a: a!.id, b: b!.id });
      for (const name of ["admin", "volunteer", "other", "removed", "disabled", "ownerB", "staff"]) {
        const [u] = await tx.insert(users).values({ email: `${name.toLowerCase()}@feed.test`, name, isStaff: name === "staff" }).returning();
        ids[name] = u!.id;
      }
      await tx.insert(memberships).values([
        { orgId: ids.a!, userId: ids.admin!, role: "admin" },
        { orgId: ids.a!, userId: ids.volunteer!, role: "volunteer" },
        { orgId: ids.a!, userId: ids.other!, role: "volunteer" },
        { orgId: ids.a!, userId: ids.removed!, role: "admin" },
        { orgId: ids.a!, userId: ids.disabled!, role: "admin", disabledAt: new Date() },
        { orgId: ids.b!, userId: ids.ownerB!, role: "owner" },
      ]);
      await tx.delete(memberships).where(and(eq(memberships.orgId, ids.a!), eq(memberships.userId, ids.removed!)));
      const live = { reason: "a support visit", createdAt: new Date(Date.now() - 60_000), expiresAt: new Date(Date.now() + 3_600_000), staffUserId: ids.staff! };
      await tx.insert(supportAccessGrants).values([{ ...live, orgId: ids.a! }]);
    });
    const event = (org: string, actor: string, target?: string) =>
      recordAuditEvent(t.db, {
        orgId: ids[org]!,
        actor: { kind: "member", id: ids[actor]! },
        ...(target
          ? { action: "member.role_changed" as const, target: { type: "user" as const, id: ids[target]! }, metadata: { from: "admin", to: "volunteer" } }
          : { action: "org.settings_changed" as const, metadata: { keys: ["name"] } }),
      });
    await event("a", "admin");
    await event("a", "admin", "volunteer");
    await event("a", "volunteer");
    await event("a", "other");
    await event("b", "ownerB");
  });
  afterAll(async () => t?.drop());

  const allOfA = ["A:admin>-", "A:admin>volunteer", "A:other>-", "A:volunteer>-"];

  it("an admin sees their campaign's rows and nothing of another campaign's, even when the transaction names it", async () => {
    expect(await inCampaign("admin", "a")).toEqual({ events: allOfA, memberships: ["A:admin", "A:disabled", "A:other", "A:volunteer"], orgs: ["A"], grants: ["A:staff"] });
    // B named as the campaign: nothing of B; of A only the person's own membership row (memberships_own_rows) and A's row.
    expect(await inCampaign("admin", "b")).toEqual({ events: [], memberships: ["A:admin"], orgs: ["A"], grants: [] });
    expect(await inCampaign("ownerB", "a")).toEqual({ events: [], memberships: ["B:ownerB"], orgs: ["B"], grants: [] });
  });

  it("a volunteer sees their own events and the owners and admins, not the other volunteers or the grants", async () => {
    expect(await inCampaign("volunteer", "a")).toEqual({ events: ["A:admin>volunteer", "A:volunteer>-"], memberships: ["A:admin", "A:disabled", "A:volunteer"], orgs: ["A"], grants: [] });
  });

  it("a removed member, a disabled member and a person never in the campaign see nothing of it", async () => {
    const nothing = { events: [], memberships: [], orgs: [], grants: [] };
    expect(await inCampaign("removed", "a")).toEqual(nothing);
    expect(await inCampaign("disabled", "a")).toEqual({ ...nothing, memberships: ["A:disabled"] });
    expect(await inCampaign("ownerB", "a")).toMatchObject({ events: [], grants: [] });
  });

  it("staff see the campaign under a live grant and nothing once it is revoked", async () => {
    expect(await inCampaign("staff", "a")).toEqual({ events: allOfA, memberships: ["A:admin", "A:disabled", "A:other", "A:volunteer"], orgs: ["A"], grants: ["A:staff"] });
    expect(await inCampaign("staff", "b")).toEqual({ events: [], memberships: [], orgs: ["A"], grants: ["A:staff"] });
    await system((tx) => tx.update(supportAccessGrants).set({ revokedAt: new Date() }).where(eq(supportAccessGrants.staffUserId, ids.staff!)));
    try {
      expect(await inCampaign("staff", "a")).toEqual({ events: [], memberships: [], orgs: [], grants: ["A:staff"] });
    } finally {
      await system((tx) => tx.update(supportAccessGrants).set({ revokedAt: null }).where(eq(supportAccessGrants.staffUserId, ids.staff!)));
    }
  });

  it("a suspended campaign shows its admin nothing but their own membership row", async () => {
    await system((tx) => tx.update(organizations).set({ suspendedAt: new Date() }).where(eq(organizations.id, ids.a!)));
    try {
      expect(await inCampaign("admin", "a")).toEqual({ events: [], memberships: ["A:admin"], orgs: [], grants: [] });
      expect(await inCampaign("staff", "a")).toEqual({ events: [], memberships: [], orgs: [], grants: ["A:staff"] });
    } finally {
      await system((tx) => tx.update(organizations).set({ suspendedAt: null }).where(eq(organizations.id, ids.a!)));
    }
  });

  it("the person set-up that names a campaign by slug is a request, not access: RLS still decides", async () => {
    const viaSlug = (person: string, slug: string | null) =>
      t.db.transaction(async (tx) => ({ requested: await enterPersonForCampaign(tx, ids[person]!, slug), seen: await seen(tx) }));
    expect(await viaSlug("admin", "feed-a")).toEqual({ requested: ids.a, seen: await inCampaign("admin", "a") });
    expect(await viaSlug("admin", "feed-b")).toEqual({ requested: ids.b, seen: { events: [], memberships: ["A:admin"], orgs: ["A"], grants: [] } });
    expect(await viaSlug("removed", "feed-a")).toEqual({ requested: ids.a, seen: { events: [], memberships: [], orgs: [], grants: [] } });
    expect(await viaSlug("admin", "no-such-campaign")).toEqual({ requested: null, seen: { events: [], memberships: ["A:admin"], orgs: ["A"], grants: [] } });
    expect(await viaSlug("admin", null)).toMatchObject({ requested: null });
  });
});
