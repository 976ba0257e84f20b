import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { memberships, organizations, sessions, supportAccessGrants, users } from "@/db/schema";
import { createSession, type SessionPolicy } from "@/lib/auth/sessions";
import { withSystem } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { resolveOrgAccess, resolveOrgMembership, resolveSessionInCampaign, type Viewer } from "./access";

/**
 * The guard's standing in a campaign is one read (campaign, membership or grant, and the campaign row under the
 * person's RLS): each way of losing access still reads as refused, and a granted one carries the right role.
 */
describe.each(testBackends())("resolveOrgMembership in one read (%s)", (backend) => {
  let t: TestDatabase;
  let org: { id: string; slug: string };
  const people: Record<string, string> = {};
  const viewer = (name: string, isStaff = false): Viewer => ({ id: people[name]!, isStaff, hasSecondFactor: async () => false });
  const system = <T>(fn: Parameters<typeof withSystem<T>>[1]) => withSystem(t.db, fn);

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    await system(async (tx) => {
      const [o] = await tx.insert(organizations).values({ slug: "one-read", name: "One Read" }).returning();
      org = { id: o!.id, slug: o!.slug };
      for (const name of ["owner", "volunteer", "removed", "disabledMember", "disabledPerson", "staff", "staffMember", "outsider"]) {
        const [u] = await tx
          .insert(users)
          .values({ email: `${name.toLowerCase()}@one-read.test`, name, isStaff: name.startsWith("staff") })
          .returning();
        people[name] = u!.id;
      }
      await tx.insert(memberships).values([
        { orgId: org.id, userId: people.owner!, role: "owner" },
        { orgId: org.id, userId: people.volunteer!, role: "volunteer" },
        { orgId: org.id, userId: people.removed!, role: "admin" },
        { orgId: org.id, userId: people.disabledMember!, role: "admin", disabledAt: new Date() },
        { orgId: org.id, userId: people.disabledPerson!, role: "admin" },
        { orgId: org.id, userId: people.staffMember!, role: "volunteer", disabledAt: new Date() },
      ]);
      await tx.delete(memberships).where(and(eq(memberships.orgId, org.id), eq(memberships.userId, people.removed!)));
      await tx.update(users).set({ disabledAt: new Date() }).where(eq(users.id, people.disabledPerson!));
      const live = { orgId: org.id, reason: "a support visit", createdAt: new Date(Date.now() - 60_000), expiresAt: new Date(Date.now() + 3_600_000) };
      await tx.insert(supportAccessGrants).values([
        { ...live, staffUserId: people.staff! },
        { ...live, staffUserId: people.staffMember! },
      ]);
    });
  });
  afterAll(async () => t?.drop());

  it("an active member gets their role and the campaign's settings", async () => {
    const owner = await resolveOrgMembership(t.db, viewer("owner"), org.slug);
    expect(owner.ok && { role: owner.access.role, id: owner.access.org.id, slug: owner.access.org.slug, name: owner.access.org.name }).toEqual({
      role: "owner",
      id: org.id,
      slug: "one-read",
      name: "One Read",
    });
    expect(owner.ok && owner.access.org.settings.supportAccess).toBe("allowed");
    const volunteer = await resolveOrgAccess(t.db, viewer("volunteer"), org.slug, "org:view");
    expect(volunteer.ok && volunteer.access.role).toBe("volunteer");
    expect((await resolveOrgAccess(t.db, viewer("volunteer"), org.slug, "org:settings")).ok).toBe(false);
  });

  it("a removed member, a disabled membership, a disabled person, an outsider and an unknown campaign are not found", async () => {
    for (const name of ["removed", "disabledMember", "disabledPerson", "outsider"])
      expect(await resolveOrgMembership(t.db, viewer(name), org.slug), name).toEqual({ ok: false, reason: "not_found" });
    expect(await resolveOrgMembership(t.db, viewer("owner"), "no-such-campaign")).toEqual({ ok: false, reason: "not_found" });
  });

  it("staff under a live grant get support; a disabled membership is not replaced by a grant", async () => {
    const staff = await resolveOrgMembership(t.db, viewer("staff", true), org.slug);
    expect(staff.ok && { role: staff.access.role, grant: typeof staff.access.grantId }).toEqual({ role: "support", grant: "string" });
    expect(await resolveOrgMembership(t.db, viewer("staffMember", true), org.slug)).toEqual({ ok: false, reason: "not_found" });
    // The same grant row is not asked for when the viewer is not staff.
    expect(await resolveOrgMembership(t.db, viewer("staff", false), org.slug)).toEqual({ ok: false, reason: "not_found" });
  });

  it("a suspended campaign is 'suspended' to members and not found to support, and opens again when restored", async () => {
    await system((tx) => tx.update(organizations).set({ suspendedAt: new Date() }).where(eq(organizations.id, org.id)));
    try {
      expect(await resolveOrgMembership(t.db, viewer("owner"), org.slug)).toEqual({ ok: false, reason: "suspended", org: { slug: org.slug } });
      expect(await resolveOrgMembership(t.db, viewer("staff", true), org.slug)).toEqual({ ok: false, reason: "not_found" });
    } finally {
      await system((tx) => tx.update(organizations).set({ suspendedAt: null }).where(eq(organizations.id, org.id)));
    }
    expect((await resolveOrgMembership(t.db, viewer("owner"), org.slug)).ok).toBe(true);
  });

  it("a revoked grant gives nothing", async () => {
    await system((tx) => tx.update(supportAccessGrants).set({ revokedAt: new Date() }).where(eq(supportAccessGrants.staffUserId, people.staff!)));
    expect(await resolveOrgMembership(t.db, viewer("staff", true), org.slug)).toEqual({ ok: false, reason: "not_found" });
  });

  describe("the session row read with the standing (route handlers)", () => {
    const policy: SessionPolicy = { maxAgeSeconds: 24 * 3600, idleTimeoutSeconds: 30 * 60 };
    const open = async (name: string, now = new Date()) => ({ sub: people[name]!, sid: (await createSession(t.db, { userId: people[name]!, policy, now })).id });
    const stateOf = async (sid: string) =>
      (await withSystem(t.db, (tx) => tx.select({ revokedReason: sessions.revokedReason }).from(sessions).where(eq(sessions.id, sid))))[0]?.revokedReason ?? null;

    it("a live session of a member: the person and their role, as resolveOrgMembership finds it", async () => {
      const token = await open("owner");
      const { session, resolved } = await resolveSessionInCampaign(t.db, token, org.slug, policy);
      expect(session?.user).toMatchObject({ id: people.owner, isStaff: false });
      expect(resolved.ok && { role: resolved.access.role, org: resolved.access.org.id, userId: resolved.access.userId }).toEqual({ role: "owner", org: org.id, userId: people.owner });
      const staff = await resolveSessionInCampaign(t.db, await open("staffMember"), org.slug, policy);
      expect(staff.session?.user.isStaff).toBe(true);
      expect(staff.resolved).toEqual({ ok: false, reason: "not_found" });
    });

    it("a valid session without access to the campaign: the session stands, the campaign is not found", async () => {
      for (const [name, slug] of [["removed", org.slug], ["outsider", org.slug], ["owner", "no-such-campaign"], ["owner", "Not A Slug"]] as const) {
        const { session, resolved } = await resolveSessionInCampaign(t.db, await open(name), slug, policy);
        expect(session?.user.id, `${name} ${slug}`).toBe(people[name]);
        expect(resolved, `${name} ${slug}`).toEqual({ ok: false, reason: "not_found" });
      }
    });

    it("an expired or idle session is no session and is closed on the spot; a revoked one stays refused", async () => {
      const expired = await open("owner", new Date(Date.now() - 25 * 3600_000));
      expect((await resolveSessionInCampaign(t.db, expired, org.slug, policy)).session).toBeNull();
      expect(await stateOf(expired.sid)).toBe("expired");
      const idle = await open("owner");
      await withSystem(t.db, (tx) => tx.update(sessions).set({ lastSeenAt: new Date(Date.now() - 31 * 60_000) }).where(eq(sessions.id, idle.sid)));
      expect((await resolveSessionInCampaign(t.db, idle, org.slug, policy)).session).toBeNull();
      expect(await stateOf(idle.sid)).toBe("idle");
      const revoked = await open("owner");
      await withSystem(t.db, (tx) => tx.update(sessions).set({ revokedAt: new Date(), revokedReason: "signed_out" }).where(eq(sessions.id, revoked.sid)));
      const answer = await resolveSessionInCampaign(t.db, revoked, org.slug, policy);
      expect(answer).toEqual({ session: null, resolved: { ok: false, reason: "not_found" } });
    });

    it("a disabled person, another person's session id, and malformed ids are no session", async () => {
      expect((await resolveSessionInCampaign(t.db, await open("disabledPerson"), org.slug, policy)).session).toBeNull();
      const owners = await open("owner");
      expect((await resolveSessionInCampaign(t.db, { sub: people.volunteer!, sid: owners.sid }, org.slug, policy)).session).toBeNull();
      expect(await stateOf(owners.sid)).toBeNull();
      expect((await resolveSessionInCampaign(t.db, { sub: "not-a-uuid", sid: owners.sid }, org.slug, policy)).session).toBeNull();
      expect((await resolveSessionInCampaign(t.db, { sub: people.owner!, sid: "x" }, org.slug, policy)).session).toBeNull();
    });

    it("a suspended campaign is 'suspended' to a member with a live session", async () => {
      const token = await open("volunteer");
      await system((tx) => tx.update(organizations).set({ suspendedAt: new Date() }).where(eq(organizations.id, org.id)));
      try {
        const { session, resolved } = await resolveSessionInCampaign(t.db, token, org.slug, policy);
        expect(session?.user.id).toBe(people.volunteer);
        expect(resolved).toEqual({ ok: false, reason: "suspended", org: { slug: org.slug } });
      } finally {
        await system((tx) => tx.update(organizations).set({ suspendedAt: null }).where(eq(organizations.id, org.id)));
      }
    });
  });
});
