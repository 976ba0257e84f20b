import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { apiTokens, auditEvents, contacts, memberships, organizations, users } from "@/db/schema";
import { createAuthLimiters } from "@/lib/auth/limits";
import { hashPassword } from "@/lib/auth/password";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { resultRows } from "@/lib/db/client";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { loadSecrets } from "@/lib/keys";
import type { Services } from "@/lib/services";
import { setWallForTest, type Wall } from "@/lib/tenancy/walls";
import { apiScopes, type ApiScope } from "@/lib/tenancy/permissions";
import { callApi } from "@/lib/testing/api";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { createRateLimiter } from "@/lib/ratelimit";
import { setApiLimitersForTest } from "./limits";
import { issueApiToken } from "./tokens";

const PASSWORD = "orange-lantern-harbor-42";
const holder = globalThis as typeof globalThis & { __rampartServices?: Promise<Services> };

describe.each(testBackends())("/api/v1 on %s", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let slugA: string;
  let contactA: string;
  const roleOf = (userId: string) => (userId === f.owner || userId === f.ownerB ? "owner" : userId === f.admin ? "admin" : "volunteer") as "owner" | "admin" | "volunteer";

  /** A token issued directly (the credential path has its own tests). */
  async function tokenFor(userId: string, scopes: readonly ApiScope[], options: { orgId?: string; now?: Date } = {}) {
    const orgId = options.orgId ?? (userId === f.ownerB ? f.orgB : f.orgA);
    return withTenant(t.db, { orgId, userId }, (tx) => issueApiToken(tx, { orgId, userId, role: roleOf(userId) }, { name: "test", scopes: [...scopes] }, { now: options.now }));
  }
  const problemOf = async (res: Response) => {
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = await res.json();
    expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|SELECT|INSERT|stack/i);
    return body;
  };
  const refusals = async (tokenId: string) => {
    const read = (orgId: string) =>
      withTenant(t.db, { orgId }, (tx) =>
        tx.select({ metadata: auditEvents.metadata }).from(auditEvents).where(and(eq(auditEvents.action, "api_token.refused"), eq(auditEvents.targetId, tokenId))),
      );
    return [...(await read(f.orgA)), ...(await read(f.orgB))].map((r) => (r.metadata as { reason: string }).reason);
  };

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "apiv1");
    const passwordHash = await hashPassword(PASSWORD);
    await withSystem(t.db, (tx) => tx.update(users).set({ passwordHash }));
    [{ slug: slugA }] = (await withSystem(t.db, (tx) => tx.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, f.orgA)))) as [{ slug: string }];
    holder.__rampartServices = Promise.resolve({ db: t.db, limiters: createAuthLimiters(t.db), policy: { maxAgeSeconds: 86_400, idleTimeoutSeconds: 3_600 }, secret: loadSecrets().authSecret } as Services);
    [contactA] = (await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, (tx) =>
      insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Robin Vale", email: "robin@example.org" })], { source: "manual", createdBy: f.admin }),
    )) as [string];
  }, 60_000);
  afterAll(async () => {
    holder.__rampartServices = undefined;
    setApiLimitersForTest(undefined);
    await t?.drop();
  });

  describe("tokens through the credentials endpoint", () => {
    it("issues an rpt_ secret for 24 hours and keeps only its keyed hash", async () => {
      const res = await callApi("POST", "/tokens", { body: { email: "admin@apiv1.test", password: PASSWORD, campaign: slugA, name: "sheet", scopes: ["contacts:read"] } });
      expect(res.status).toBe(201);
      const issued = await res.json();
      expect(issued.token).toMatch(/^rpt_[A-Za-z0-9_-]{43}$/);
      expect(new Date(issued.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
      const rows = await withSystem(t.db, (tx) => tx.select().from(apiTokens).where(eq(apiTokens.id, issued.id)));
      expect(JSON.stringify(rows)).not.toContain(issued.token);
      expect((await callApi("GET", "/contacts", { token: issued.token })).status).toBe(200);
    });

    it("refuses a wrong password with the same 401 as an unknown account", async () => {
      const wrong = await callApi("POST", "/tokens", { body: { email: "admin@apiv1.test", password: "nope-nope-nope", campaign: slugA, name: "x", scopes: ["contacts:read"] } });
      const unknown = await callApi("POST", "/tokens", { body: { email: "nobody@apiv1.test", password: "nope-nope-nope", campaign: slugA, name: "x", scopes: ["contacts:read"] } });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect((await problemOf(wrong)).title).toBe((await problemOf(unknown)).title);
    });

    it("refuses scopes beyond the member's role (escalation) with 403 and issues nothing", async () => {
      const before = await withSystem(t.db, (tx) => tx.select().from(apiTokens).where(eq(apiTokens.userId, f.volunteer)));
      const res = await callApi("POST", "/tokens", { body: { email: "volunteer@apiv1.test", password: PASSWORD, campaign: slugA, name: "x", scopes: ["contacts:read", "contacts:write"] } });
      expect(res.status).toBe(403);
      expect((await problemOf(res)).errors.scopes[0]).toContain("contacts:write");
      expect(await withSystem(t.db, (tx) => tx.select().from(apiTokens).where(eq(apiTokens.userId, f.volunteer)))).toHaveLength(before.length);
      const unknownScope = await callApi("POST", "/tokens", { body: { email: "volunteer@apiv1.test", password: PASSWORD, campaign: slugA, name: "x", scopes: ["admin:all"] } });
      expect(unknownScope.status).toBe(400);
    });

    it("gives no token for a campaign the person is not in (404)", async () => {
      const res = await callApi("POST", "/tokens", { body: { email: "outsider@apiv1.test", password: PASSWORD, campaign: slugA, name: "x", scopes: ["contacts:read"] } });
      expect(res.status).toBe(404);
    });

    it("renews only with the password again: new secret, old one dead", async () => {
      const first = await tokenFor(f.admin, ["contacts:read"]);
      expect((await callApi("POST", `/tokens/${first.id}/renew`, { body: { email: "admin@apiv1.test", password: "wrong-wrong-wrong" } })).status).toBe(401);
      const res = await callApi("POST", `/tokens/${first.id}/renew`, { body: { email: "admin@apiv1.test", password: PASSWORD } });
      expect(res.status).toBe(200);
      const renewed = await res.json();
      expect(renewed.token).not.toBe(first.secret);
      expect((await callApi("GET", "/contacts", { token: first.secret })).status).toBe(401);
      expect((await callApi("GET", "/contacts", { token: renewed.token })).status).toBe(200);
      // Someone else's token cannot be renewed with one's own password.
      expect((await callApi("POST", `/tokens/${first.id}/renew`, { body: { email: "owner@apiv1.test", password: PASSWORD } })).status).toBe(404);
    });

    it("lists the person's tokens with last use and revokes one", async () => {
      const a = await tokenFor(f.admin, ["contacts:read"]);
      const b = await tokenFor(f.admin, ["actions:read"]);
      await callApi("GET", "/contacts", { token: a.secret });
      const listed = (await (await callApi("GET", "/tokens", { token: b.secret })).json()).tokens as { id: string; lastUsedAt: string | null }[];
      expect(listed.find((x) => x.id === a.id)?.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(listed)).not.toMatch(/rpt_|secret/);
      expect((await callApi("DELETE", `/tokens/${a.id}`, { token: b.secret })).status).toBe(204);
      expect((await callApi("GET", "/contacts", { token: a.secret })).status).toBe(401);
      expect(await refusals(a.id)).toContain("revoked");
      // Another person's token id is not found.
      const other = await tokenFor(f.owner, ["contacts:read"]);
      expect((await callApi("DELETE", `/tokens/${other.id}`, { token: b.secret })).status).toBe(404);
    });
  });

  describe("the guard", () => {
    it("asks for a bearer token; a session cookie is no credential", async () => {
      const res = await callApi("GET", "/contacts", { headers: { cookie: "__Host-rampart.session=anything" } });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect((await callApi("GET", "/contacts", { token: "rpt_" + "A".repeat(43) })).status).toBe(401);
    });

    it("refuses an expired token and records the refusal", async () => {
      const old = await tokenFor(f.admin, ["contacts:read"], { now: new Date(Date.now() - 25 * 3600_000) });
      const res = await callApi("GET", "/contacts", { token: old.secret });
      expect(res.status).toBe(401);
      expect((await problemOf(res)).detail).toContain("expired");
      expect(await refusals(old.id)).toEqual(["expired"]);
    });

    it("ends a token at its next use after the password changes", async () => {
      const token = await tokenFor(f.volunteer2, ["contacts:read"]);
      expect((await callApi("GET", "/contacts", { token: token.secret })).status).toBe(200);
      const passwordHash = await hashPassword("another-long-passphrase-9");
      await withSystem(t.db, (tx) => tx.update(users).set({ passwordHash }).where(eq(users.id, f.volunteer2)));
      expect((await callApi("GET", "/contacts", { token: token.secret })).status).toBe(401);
      const [row] = await withSystem(t.db, (tx) => tx.select().from(apiTokens).where(eq(apiTokens.id, token.id)));
      expect(row?.revokedReason).toBe("password_changed");
    });

    it("ends a token when the account is disabled", async () => {
      const outsider = await withSystem(t.db, async (tx) => {
        const [u] = await tx.insert(users).values({ email: "temp@apiv1.test", name: "temp", emailVerifiedAt: new Date() }).returning({ id: users.id });
        await tx.insert(memberships).values({ orgId: f.orgA, userId: u!.id, role: "volunteer" });
        return u!.id;
      });
      const token = await withTenant(t.db, { orgId: f.orgA, userId: outsider }, (tx) =>
        issueApiToken(tx, { orgId: f.orgA, userId: outsider, role: "volunteer" }, { name: "t", scopes: ["contacts:read"] }),
      );
      await withSystem(t.db, (tx) => tx.update(users).set({ disabledAt: new Date() }).where(eq(users.id, outsider)));
      expect((await callApi("GET", "/contacts", { token: token.secret })).status).toBe(401);
      // Removal from the campaign ends it too (tested on a second person below).
      await withSystem(t.db, (tx) => tx.update(users).set({ disabledAt: null }).where(eq(users.id, outsider)));
      expect((await callApi("GET", "/contacts", { token: token.secret })).status).toBe(401);
    });

    it("ends a token when the membership is removed", async () => {
      const person = await withSystem(t.db, async (tx) => {
        const [u] = await tx.insert(users).values({ email: "leaver@apiv1.test", name: "leaver", emailVerifiedAt: new Date() }).returning({ id: users.id });
        await tx.insert(memberships).values({ orgId: f.orgA, userId: u!.id, role: "admin" });
        return u!.id;
      });
      const token = await withTenant(t.db, { orgId: f.orgA, userId: person }, (tx) =>
        issueApiToken(tx, { orgId: f.orgA, userId: person, role: "admin" }, { name: "t", scopes: ["contacts:read"] }),
      );
      expect((await callApi("GET", "/contacts", { token: token.secret })).status).toBe(200);
      await withSystem(t.db, (tx) => tx.delete(memberships).where(and(eq(memberships.orgId, f.orgA), eq(memberships.userId, person))));
      expect((await callApi("GET", "/contacts", { token: token.secret })).status).toBe(401);
      expect(await refusals(token.id)).toContain("membership_ended");
    });

    it("narrows a token to the new role at the next request after a role change", async () => {
      const person = await withSystem(t.db, async (tx) => {
        const [u] = await tx.insert(users).values({ email: "demoted@apiv1.test", name: "demoted", emailVerifiedAt: new Date() }).returning({ id: users.id });
        await tx.insert(memberships).values({ orgId: f.orgA, userId: u!.id, role: "admin" });
        return u!.id;
      });
      const token = await withTenant(t.db, { orgId: f.orgA, userId: person }, (tx) =>
        issueApiToken(tx, { orgId: f.orgA, userId: person, role: "admin" }, { name: "t", scopes: ["contacts:read", "contacts:write"] }),
      );
      expect((await (await callApi("GET", "/contacts", { token: token.secret })).json()).view).toBe("full");
      await withSystem(t.db, (tx) => tx.update(memberships).set({ role: "volunteer" }).where(and(eq(memberships.orgId, f.orgA), eq(memberships.userId, person))));
      const list = await (await callApi("GET", "/contacts", { token: token.secret })).json();
      expect(list.view).toBe("reach_out");
      expect(list.contacts).toEqual([]);
      expect((await callApi("POST", "/contacts", { token: token.secret, body: { name: "X" } })).status).toBe(403);
      expect(await refusals(token.id)).toContain("scope");
      // Renewing cannot carry the lost scope forward.
      const passwordHash = await hashPassword(PASSWORD);
      await withSystem(t.db, (tx) => tx.update(users).set({ passwordHash }).where(eq(users.id, person)));
      const renew = await callApi("POST", `/tokens/${token.id}/renew`, { body: { email: "demoted@apiv1.test", password: PASSWORD } });
      expect(renew.status).toBe(403);
    });

    it("refuses every request while the campaign is suspended", async () => {
      const token = await tokenFor(f.ownerB, ["contacts:read"]);
      await withSystem(t.db, (tx) => tx.update(organizations).set({ suspendedAt: new Date() }).where(eq(organizations.id, f.orgB)));
      try {
        expect((await callApi("GET", "/contacts", { token: token.secret })).status).toBe(403);
        expect(await refusals(token.id)).toContain("org_suspended");
      } finally {
        await withSystem(t.db, (tx) => tx.update(organizations).set({ suspendedAt: null }).where(eq(organizations.id, f.orgB)));
      }
    });

    it("answers 403 for a scope the token lacks", async () => {
      const token = await tokenFor(f.admin, ["actions:read"]);
      const res = await callApi("GET", "/contacts", { token: token.secret });
      expect(res.status).toBe(403);
      expect((await problemOf(res)).detail).toBe("Needs contacts:read");
    });
  });

  describe("contacts list pages", () => {
    it("pages by keyset cursor to the end with no duplicates, refuses a bad cursor with 400, and a rival's cursor shows nothing of ours", async () => {
      const added = await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, (tx) =>
        insertContacts(tx, f.orgA, Array.from({ length: 7 }, (_, i) => contactInputSchema.parse({ name: `Paged ${i}` })), { source: "manual", createdBy: f.admin }),
      );
      const token = await tokenFor(f.admin, ["contacts:read"]);
      const seen: string[] = [];
      let cursor: string | null = null;
      let total = 0;
      let pages = 0;
      do {
        const res = await callApi("GET", `/contacts?limit=3${cursor ? `&cursor=${cursor}` : ""}`, { token: token.secret });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { total: number; totalExact: boolean; contacts: { id: string }[]; nextCursor: string | null };
        expect(body.totalExact).toBe(true);
        total = body.total;
        seen.push(...body.contacts.map((c) => c.id));
        cursor = body.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      expect(cursor).toBeNull();
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toHaveLength(total);
      expect(seen).toEqual(expect.arrayContaining([...added, contactA]));

      const pageCursor = Buffer.from("p:2").toString("base64url");
      for (const bad of [pageCursor, "not a cursor", "AAAA", `${"A".repeat(150)}`]) {
        const res = await callApi("GET", `/contacts?cursor=${encodeURIComponent(bad)}`, { token: token.secret });
        expect(res.status).toBe(400);
        expect((await problemOf(res)).title).toBe("Unknown cursor");
      }

      const first = (await (await callApi("GET", "/contacts?limit=2", { token: token.secret })).json()) as { nextCursor: string };
      const rival = await tokenFor(f.ownerB, ["contacts:read"]);
      const theirs = (await (await callApi("GET", `/contacts?cursor=${first.nextCursor}`, { token: rival.secret })).json()) as { contacts: { id: string }[] };
      expect(theirs.contacts.filter((c) => seen.includes(c.id))).toEqual([]);
    });
  });

  describe("the other lists page by keyset too", () => {
    /** Follows nextCursor to the end; every page 200. */
    const walkApi = async (path: string, key: string, secret: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await callApi("GET", `${path}${path.includes("?") ? "&" : "?"}${cursor ? `cursor=${encodeURIComponent(cursor)}` : ""}`, { token: secret });
        expect(res.status).toBe(200);
        const body = (await res.json()) as Record<string, { id: string }[]> & { nextCursor: string | null };
        seen.push(...body[key]!.map((r) => r.id));
        cursor = body.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      expect(cursor).toBeNull();
      return { seen, pages };
    };

    it("actions, imports, reports and deletion requests follow nextCursor to the end, refuse unknown cursors with 400, and a volunteer still gets only theirs", async () => {
      // 60 live actions (more than a page of 50), every third one given to the volunteer.
      const ids = await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, async (tx) => {
        const rows = resultRows<{ id: string }>(await tx.execute(sql`insert into actions (id, org_id, kind, title, created_at) select gen_random_uuid(), ${f.orgA}, 'call', 'Paged ' || g, now() - (g / 3) * interval '1 second' from generate_series(1, 60) g returning id`));
        await tx.execute(sql`insert into action_assignees (action_id, user_id, org_id) select id, ${f.volunteer}, org_id from actions where org_id = ${f.orgA} and title like 'Paged %' and split_part(title, ' ', 2)::int % 3 = 0`);
        return rows.map((r) => r.id);
      });
      const admin = await tokenFor(f.admin, ["actions:read", "reports:read", "imports:read", "contacts:write"]);
      const all = await walkApi("/actions", "actions", admin.secret);
      expect(all.pages).toBeGreaterThan(1);
      expect(new Set(all.seen).size).toBe(all.seen.length);
      expect(all.seen).toEqual(expect.arrayContaining(ids));
      const volunteer = await tokenFor(f.volunteer, ["actions:read", "reports:read"]);
      const given = await walkApi("/actions", "actions", volunteer.secret);
      expect(given.seen).toHaveLength(20);
      expect(given.seen.every((id) => all.seen.includes(id))).toBe(true);

      expect((await walkApi("/imports", "imports", admin.secret)).seen).toEqual([]);
      expect((await walkApi("/deletion-requests", "deletionRequests", admin.secret)).seen).toEqual([]);
      expect((await walkApi("/reports", "reports", admin.secret)).seen).toEqual([]);
      expect((await walkApi("/reports?mine=true", "reports", volunteer.secret)).seen).toEqual([]);

      const pageCursor = Buffer.from("p:2").toString("base64url");
      for (const [path, secret] of [
        ["/actions", admin.secret],
        ["/imports", admin.secret],
        ["/deletion-requests", admin.secret],
        ["/reports", admin.secret],
        ["/reports?mine=true", volunteer.secret],
      ] as const)
        for (const bad of [pageCursor, "not a cursor", "3.AAAA", `${"A".repeat(150)}`]) {
          const res = await callApi("GET", `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(bad)}`, { token: secret });
          expect(res.status, `${path} ${bad}`).toBe(400);
          expect((await problemOf(res)).title).toBe("Unknown cursor");
        }

      // Our cursor in the rival's hands: their actions, none of ours.
      const first = (await (await callApi("GET", "/actions", { token: admin.secret })).json()) as { nextCursor: string };
      const rival = await tokenFor(f.ownerB, ["actions:read"]);
      const theirs = (await (await callApi("GET", `/actions?cursor=${first.nextCursor}`, { token: rival.secret })).json()) as { actions: { id: string }[] };
      expect(theirs.actions.filter((a) => all.seen.includes(a.id))).toEqual([]);
    });
  });

  describe("lists and tags", () => {
    it("an admin makes a list, puts a contact on it and tags it; a rival cannot reach the contact", async () => {
      const token = await tokenFor(f.admin, ["contacts:read", "contacts:write"]);
      const created = await callApi("POST", "/lists", { token: token.secret, body: { name: "Door knockers" } });
      expect(created.status).toBe(201);
      const { id: listId } = await created.json();
      expect((await callApi("POST", `/lists/${listId}/contacts`, { token: token.secret, body: { contactId: contactA } })).status).toBe(200);
      expect((await callApi("PUT", `/contacts/${contactA}/tags`, { token: token.secret, body: { tags: ["door", "door"] } })).status).toBe(200);
      const lists = (await (await callApi("GET", "/lists", { token: token.secret })).json()).lists as { id: string; members: number }[];
      expect(lists.find((l) => l.id === listId)?.members).toBe(1);
      expect((await (await callApi("GET", "/tags", { token: token.secret })).json()).tags).toContain("door");
      expect((await (await callApi("GET", `/contacts?listId=${listId}`, { token: token.secret })).json()).contacts).toHaveLength(1);
      expect((await callApi("DELETE", `/lists/${listId}/contacts/${contactA}`, { token: token.secret })).status).toBe(204);

      const rival = await tokenFor(f.ownerB, ["contacts:read", "contacts:write"]);
      const rivalList = (await (await callApi("POST", "/lists", { token: rival.secret, body: { name: "Stolen" } })).json()).id as string;
      expect((await callApi("POST", `/lists/${rivalList}/contacts`, { token: rival.secret, body: { contactId: contactA } })).status).toBe(404);
      expect((await callApi("PUT", `/contacts/${contactA}/tags`, { token: rival.secret, body: { tags: ["x"] } })).status).toBe(404);
      expect((await callApi("POST", `/lists/${listId}/contacts`, { token: rival.secret, body: { contactId: contactA } })).status).toBe(404);
    });
  });

  describe("tenant walls", () => {
    const wallPairs: [Wall, Wall][] = [
      ["middleware", "guard"],
      ["middleware", "rls"],
      ["guard", "rls"],
    ];
    afterEach(() => {
      for (const w of ["middleware", "guard", "rls"] as Wall[]) setWallForTest(w, true);
    });

    it("a rival's token reads and writes nothing of another campaign", async () => {
      const rival = await tokenFor(f.ownerB, apiScopes);
      expect((await callApi("GET", `/contacts/${contactA}`, { token: rival.secret })).status).toBe(404);
      expect((await callApi("PATCH", `/contacts/${contactA}`, { token: rival.secret, body: { name: "Taken" } })).status).toBe(404);
      expect((await callApi("DELETE", `/contacts/${contactA}`, { token: rival.secret })).status).toBe(404);
      const list = await (await callApi("GET", "/contacts", { token: rival.secret })).json();
      expect(JSON.stringify(list)).not.toContain("Robin");
    });

    for (const [a, b] of wallPairs)
      it(`with ${a} and ${b} off, the third wall still stops a rival's read`, async () => {
        const rival = await tokenFor(f.ownerB, ["contacts:read"]);
        setWallForTest(a, false);
        setWallForTest(b, false);
        const res = await callApi("GET", `/contacts/${contactA}`, { token: rival.secret });
        expect(res.status).toBe(404);
        expect(await res.text()).not.toContain("Robin");
      });
  });

  describe("input and errors", () => {
    it("retries with one Idempotency-Key create one contact and replay the answer", async () => {
      const token = await tokenFor(f.admin, ["contacts:write", "contacts:read"]);
      const body = { name: "Idem Potent", email: "idem@example.org" };
      const first = await callApi("POST", "/contacts", { token: token.secret, body, headers: { "idempotency-key": "k-1" } });
      const second = await callApi("POST", "/contacts", { token: token.secret, body, headers: { "idempotency-key": "k-1" } });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.headers.get("idempotent-replayed")).toBe("true");
      expect((await second.json()).contact.id).toBe((await first.json()).contact.id);
      const [{ n }] = (await withSystem(t.db, (tx) => tx.select({ n: sql<number>`count(*)::int` }).from(contacts).where(eq(contacts.orgId, f.orgA)))) as [{ n: number }];
      const again = await callApi("POST", "/contacts", { token: token.secret, body: { name: "Someone Else" }, headers: { "idempotency-key": "k-1" } });
      expect(again.status).toBe(422);
      const [{ n: after }] = (await withSystem(t.db, (tx) => tx.select({ n: sql<number>`count(*)::int` }).from(contacts).where(eq(contacts.orgId, f.orgA)))) as [{ n: number }];
      expect(after).toBe(n);
    });

    it("answers malformed JSON 400, a wrong content type 415, an oversized body 413, an unknown field 400 by field", async () => {
      const token = await tokenFor(f.admin, ["contacts:write"]);
      const malformed = await callApi("POST", "/contacts", { token: token.secret, rawBody: "{nope", headers: { "content-type": "application/json" } });
      expect(malformed.status).toBe(400);
      const wrongType = await callApi("POST", "/contacts", { token: token.secret, rawBody: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
      expect(wrongType.status).toBe(415);
      const huge = await callApi("POST", "/contacts", { token: token.secret, rawBody: JSON.stringify({ name: "x".repeat(1024 * 1024 + 10) }), headers: { "content-type": "application/json" } });
      expect(huge.status).toBe(413);
      const unknown = await callApi("POST", "/contacts", { token: token.secret, body: { name: "Ok", isAdmin: true } });
      expect(unknown.status).toBe(400);
      expect(JSON.stringify(await problemOf(unknown))).toContain("isAdmin");
      const missing = await callApi("POST", "/contacts", { token: token.secret, body: { email: "not-an-email" } });
      const problem = await problemOf(missing);
      expect(Object.keys(problem.errors)).toEqual(expect.arrayContaining(["name", "email"]));
      expect(JSON.stringify(problem)).not.toContain("not-an-email");
    });

    it("limits per token with 429, Retry-After and RateLimit headers", async () => {
      const token = await tokenFor(f.admin, ["contacts:read"]);
      setApiLimitersForTest({
        perToken: createRateLimiter({ kind: "postgres" }, t.db, { name: "api-token-test", limit: 2, windowMs: 3_600_000 }),
        perAddress: createRateLimiter({ kind: "postgres" }, t.db, { name: "api-address-test", limit: 100, windowMs: 60_000 }),
      });
      try {
        const ok = await callApi("GET", "/contacts", { token: token.secret });
        expect(ok.headers.get("ratelimit")).toMatch(/limit=2, remaining=1/);
        await callApi("GET", "/contacts", { token: token.secret });
        const refused = await callApi("GET", "/contacts", { token: token.secret });
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(refused.headers.get("ratelimit")).toMatch(/remaining=0/);
      } finally {
        setApiLimitersForTest(undefined);
      }
    });

    it("limits per address before looking at the token, so dead tokens cannot flood the audit log", async () => {
      const dead = await tokenFor(f.admin, ["contacts:read"], { now: new Date(Date.now() - 25 * 3600_000) });
      setApiLimitersForTest({
        perToken: createRateLimiter({ kind: "postgres" }, t.db, { name: "api-token-flood", limit: 100, windowMs: 60_000 }),
        perAddress: createRateLimiter({ kind: "postgres" }, t.db, { name: "api-address-flood", limit: 2, windowMs: 60_000 }),
      });
      try {
        const statuses = [];
        for (let i = 0; i < 5; i++) statuses.push((await callApi("GET", "/contacts", { token: dead.secret, headers: { "x-forwarded-for": "203.0.113.9" } })).status);
        expect(statuses).toEqual([401, 401, 429, 429, 429]);
        expect(await refusals(dead.id)).toHaveLength(2);
      } finally {
        setApiLimitersForTest(undefined);
      }
    });
  });
});
