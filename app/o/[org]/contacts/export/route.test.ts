import { parse } from "csv-parse/sync";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { auditEvents, organizations } from "@/db/schema";
import { authCookieNames } from "@/lib/auth/cookies";
import type { Services } from "@/lib/services";
import { signSessionToken } from "@/lib/auth/session-token";
import { createSession } from "@/lib/auth/sessions";
import { getConfig } from "@/lib/config";
import { createContact } from "@/lib/contacts/commands";
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

describe("GET /o/[org]/contacts/export", () => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let slug: string;
  const holder = globalThis as typeof globalThis & { __rampartServices?: Promise<Services> };
  const policy = { maxAgeSeconds: 86_400, idleTimeoutSeconds: 3_600 };

  async function download(userId: string) {
    const session = await createSession(t.db, { userId, policy });
    const token = await signSessionToken({ sub: userId, sid: session.id }, loadSecrets().authSecret, 3600);
    request.cookies = new Map([[authCookieNames(getConfig().secureCookies).session, token]]);
    try {
      return await GET(new Request(`http://localhost/o/${slug}/contacts/export`), { params: Promise.resolve({ org: slug }) });
    } finally {
      request.cookies = new Map();
    }
  }

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    f = await seedWorkspaceFixture(t.db, "export");
    [{ slug }] = (await withSystem(t.db, (tx) => tx.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, f.orgA)))) as [{ slug: string }];
    holder.__rampartServices = Promise.resolve({ db: t.db, policy, secret: loadSecrets().authSecret } as Services);
    await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, (tx) => createContact(tx, { orgId: f.orgA, userId: f.admin, role: "admin" }, { name: "@Ada", email: "ada@example.org" }));
  });
  afterAll(async () => {
    holder.__rampartServices = undefined;
    await t?.drop();
  });

  it("gives an admin a CSV attachment that is never cached, and records the export", async () => {
    const res = await download(f.admin);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="contacts-${slug}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
    const records = parse(await res.text(), { columns: true }) as Record<string, string>[];
    expect(records).toMatchObject([{ name: "'@Ada", email: "ada@example.org" }]);
    const events = await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, (tx) =>
      tx.select({ metadata: auditEvents.metadata }).from(auditEvents).where(and(eq(auditEvents.orgId, f.orgA), eq(auditEvents.action, "data.exported"))),
    );
    expect(events).toEqual([{ metadata: { scope: "contacts", rows: 1, format: "csv" } }]);
  });

  it("answers 404 to a volunteer of the campaign and to someone outside it", async () => {
    expect((await download(f.volunteer)).status).toBe(404);
    expect((await download(f.outsider)).status).toBe(404);
    expect((await download(f.ownerB)).status).toBe(404);
  });
});
