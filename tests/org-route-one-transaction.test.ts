import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { auditEvents, memberships, organizations, sessions, totpFactors, users } from "@/db/schema";
import { GET as activityRoute } from "@/app/api/o/[org]/activity/route";
import { recordAuditEvent } from "@/lib/audit";
import { authCookieNames } from "@/lib/auth/cookies";
import { signSessionToken } from "@/lib/auth/session-token";
import { createSession } from "@/lib/auth/sessions";
import { getConfig } from "@/lib/config";
import { resultRows } from "@/lib/db/client";
import type { Transaction } from "@/lib/db";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { loadSecrets } from "@/lib/keys";
import type { Services } from "@/lib/services";
import { withSessionInCampaign } from "@/lib/tenancy/access";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/databases";

const request = vi.hoisted(() => ({ cookies: new Map<string, string>() }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (request.cookies.has(name) ? { name, value: request.cookies.get(name)! } : undefined) }),
  headers: async () => new Headers({ "x-request-id": crypto.randomUUID() }),
}));

/**
 * The feed route reads the session, the standing and the feed in one transaction (orgRoute's `oneTransaction`):
 * every refusal of the separate reads still holds, a refused or expired session's closing is committed, and the
 * feed read inside it is bound to the campaign by RLS like a tenant transaction of its own.
 */
describe("a campaign route in one transaction", () => {
  let t: TestDatabase;
  const holder = globalThis as typeof globalThis & { __rampartServices?: Promise<Services> };
  const ids = { org: "", other: "", owner: "", admin: "", removed: "" };
  const policy = { maxAgeSeconds: 86_400, idleTimeoutSeconds: 3_600 };
  const secret = () => loadSecrets().authSecret;

  async function sessionFor(userId: string, now = new Date()) {
    const session = await createSession(t.db, { userId, policy, now });
    return { sid: session.id, token: await signSessionToken({ sub: userId, sid: session.id }, secret(), 3600) };
  }
  async function feed(token: string | null, slug = "one-tx") {
    request.cookies = token ? new Map([[authCookieNames(getConfig().secureCookies).session, token]]) : new Map();
    try {
      const res = await activityRoute(new Request(`http://localhost/api/o/${slug}/activity`), { params: Promise.resolve({ org: slug }) });
      return { status: res.status, body: (await res.json()) as { items?: unknown[]; title?: string } };
    } finally {
      request.cookies = new Map();
    }
  }
  const setOrg = (values: Partial<typeof organizations.$inferInsert>) => withSystem(t.db, (tx) => tx.update(organizations).set(values).where(eq(organizations.id, ids.org)));

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    await withSystem(t.db, async (tx) => {
      const [org] = await tx.insert(organizations).values({ slug: "one-tx", name: "One" }).returning();
      const [other] = await tx.insert(organizations).values({ slug: "other-tx", name: "Other" }).returning();
      const [owner] = await tx.insert(users).values({ email: "o@one-tx.test", name: "O" }).returning();
      const [admin] = await tx.insert(users).values({ email: "a@one-tx.test", name: "A" }).returning();
      const [removed] = await tx.insert(users).values({ email: "r@one-tx.test", name: "R" }).returning();
      Object.assign(ids, { org: org!.id, other: other!.id, owner: owner!.id, admin: admin!.id, removed: removed!.id });
      await tx.insert(memberships).values([
        { orgId: org!.id, userId: owner!.id, role: "owner" },
        { orgId: org!.id, userId: admin!.id, role: "admin" },
        { orgId: org!.id, userId: removed!.id, role: "admin" },
        { orgId: other!.id, userId: owner!.id, role: "owner" },
      ]);
    });
    holder.__rampartServices = Promise.resolve({ db: t.db, policy, secret: secret() } as Services);
    for (const orgId of [ids.org, ids.org, ids.other])
      await recordAuditEvent(t.db, { orgId, actor: { kind: "member", id: ids.owner }, action: "org.settings_changed", metadata: { keys: ["name"] } });
  });
  afterAll(async () => {
    delete holder.__rampartServices;
    await t?.drop();
  });

  it("a member reads the campaign's feed, and only that campaign's", async () => {
    const { status, body } = await feed((await sessionFor(ids.admin)).token);
    expect(status).toBe(200);
    expect(body.items).toHaveLength(2);
  });

  it("no cookie, a forged token and a removed member are refused as before", async () => {
    expect((await feed(null)).status).toBe(401);
    const forged = await signSessionToken({ sub: ids.admin, sid: (await sessionFor(ids.admin)).sid }, "another-secret-".padEnd(40, "x"), 3600);
    expect((await feed(forged)).status).toBe(401);
    const { token } = await sessionFor(ids.removed);
    await withSystem(t.db, (tx) => tx.delete(memberships).where(and(eq(memberships.orgId, ids.org), eq(memberships.userId, ids.removed))));
    expect(await feed(token)).toMatchObject({ status: 404, body: { title: "Not found" } });
    expect((await feed((await sessionFor(ids.admin)).token, "no-such-campaign")).status).toBe(404);
  });

  it("an expired session is 401 and its closing is committed", async () => {
    const { sid, token } = await sessionFor(ids.admin, new Date(Date.now() - 25 * 3_600_000));
    expect((await feed(token)).status).toBe(401);
    const [row] = await withSystem(t.db, (tx) => tx.select({ reason: sessions.revokedReason }).from(sessions).where(eq(sessions.id, sid)));
    expect(row?.reason).toBe("expired");
  });

  it("a suspended campaign is 403 'suspended'; a 2FA policy sends an admin without a factor away", async () => {
    const { token } = await sessionFor(ids.admin);
    await setOrg({ suspendedAt: new Date() });
    try {
      expect(await feed(token)).toMatchObject({ status: 403, body: { title: "This campaign is suspended" } });
    } finally {
      await setOrg({ suspendedAt: null });
    }
    await setOrg({ settings: { require2fa: "admins" } });
    try {
      expect(await feed(token)).toMatchObject({ status: 403, body: { title: "This campaign requires two-step verification" } });
      // With a confirmed factor (read inside the shared transaction) the admin is let in.
      await t.db.insert(totpFactors).values({ userId: ids.admin, secretSealed: "sealed-for-the-test", confirmedAt: new Date() });
      try {
        expect((await feed(token)).status).toBe(200);
      } finally {
        await t.db.delete(totpFactors).where(eq(totpFactors.userId, ids.admin));
      }
    } finally {
      await setOrg({ settings: {} });
    }
    expect((await feed(token)).status).toBe(200);
  });

  it("access.run inside the shared transaction acts in the campaign as the person, under RLS, as withTenant does", async () => {
    const { sid } = await sessionFor(ids.owner);
    // The owner is in both campaigns and recorded events in both; RLS shows the events of the campaign entered only.
    const look = async (tx: Transaction) => {
      const [who] = resultRows<{ role: string; org: string; person: string }>(
        await tx.execute(sql`select current_user as role, current_setting('app.org_id', true) as org, current_setting('app.user_id', true) as person`),
      );
      const orgsSeen = new Set((await tx.select({ orgId: auditEvents.orgId }).from(auditEvents)).map((e) => e.orgId));
      return { ...who, orgsSeen: [...orgsSeen] };
    };
    const seen = await withSessionInCampaign(t.db, { sub: ids.owner, sid }, "one-tx", policy, async ({ resolved }) => {
      if (!resolved.ok) throw new Error("expected access");
      return resolved.access.run(look);
    });
    expect(seen).toEqual({ role: "rampart_app", org: ids.org, person: ids.owner, orgsSeen: [ids.org] });
    expect(await withTenant(t.db, { orgId: ids.org, userId: ids.owner }, look)).toEqual(seen);
  });
});
