import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { organizations } from "@/db/schema";
import { authCookieNames } from "@/lib/auth/cookies";
import type { Services } from "@/lib/services";
import { signSessionToken } from "@/lib/auth/session-token";
import { createSession } from "@/lib/auth/sessions";
import { getConfig } from "@/lib/config";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { loadSecrets } from "@/lib/keys";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { GET } from "./route";

const request = vi.hoisted(() => ({ cookies: new Map<string, string>() }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (request.cookies.has(name) ? { name, value: request.cookies.get(name)! } : undefined) }),
  headers: async () => new Headers({ "x-request-id": crypto.randomUUID() }),
}));

/** The API wall for one contact: a volunteer reaches only what is assigned to them, others get the same 404. */
describe("GET /api/o/[org]/contacts/[id]", () => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let slug: string;
  let assigned: string;
  let unassigned: string;
  const holder = globalThis as typeof globalThis & { __rampartServices?: Promise<Services> };
  const policy = { maxAgeSeconds: 86_400, idleTimeoutSeconds: 3_600 };

  async function fetchAs(userId: string, id: string) {
    const session = await createSession(t.db, { userId, policy });
    const token = await signSessionToken({ sub: userId, sid: session.id }, loadSecrets().authSecret, 3600);
    request.cookies = new Map([[authCookieNames(getConfig().secureCookies).session, token]]);
    try {
      return await GET(new Request(`http://localhost/api/o/${slug}/contacts/${id}`), { params: Promise.resolve({ org: slug, id }) });
    } finally {
      request.cookies = new Map();
    }
  }

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    f = await seedWorkspaceFixture(t.db, "apicontact");
    [{ slug }] = (await withSystem(t.db, (tx) => tx.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, f.orgA)))) as [{ slug: string }];
    holder.__rampartServices = Promise.resolve({ db: t.db, policy, secret: loadSecrets().authSecret } as Services);
    const make = (name: string, assignedTo?: string) =>
      withTenant(t.db, { orgId: f.orgA, userId: f.admin }, (tx) =>
        insertContacts(tx, f.orgA, [contactInputSchema.parse({ name, email: `${name.toLowerCase()}@example.org`, notes: "Prefers evenings" })], {
          source: "manual",
          createdBy: f.admin,
          assignedTo,
        }),
      );
    [assigned] = (await make("Assigned", f.volunteer)) as [string];
    [unassigned] = (await make("Unassigned")) as [string];
  });
  afterAll(async () => {
    holder.__rampartServices = undefined;
    await t?.drop();
  });

  it("gives an admin the whole record", async () => {
    const res = await fetchAs(f.admin, unassigned);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect((await res.json()).contact).toMatchObject({ name: "Unassigned", notes: "Prefers evenings" });
  });

  it("gives a volunteer their assigned contact with reach-out fields only", async () => {
    const res = await fetchAs(f.volunteer, assigned);
    expect(res.status).toBe(200);
    const { contact } = await res.json();
    expect(contact).toMatchObject({ name: "Assigned", email: "assigned@example.org" });
    expect(contact.notes ?? null).toBeNull();
    expect(JSON.stringify(contact)).not.toContain("Prefers evenings");
  });

  it("answers 404 problem+json to a volunteer asking for a contact not assigned to them, a bad id, or another campaign", async () => {
    for (const [who, id] of [
      [f.volunteer, unassigned],
      [f.volunteer2, assigned],
      [f.volunteer, "not-a-uuid"],
      [f.ownerB, assigned],
      [f.outsider, assigned],
    ] as const) {
      const res = await fetchAs(who, id);
      expect(res.status, `${who} → ${id}`).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(await res.text()).not.toContain("Assigned");
    }
  });
});
