import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { memberships, organizations, users } from "@/db/schema";
import { GET as archiveRoute } from "@/app/api/o/[org]/audit-archives/[archive]/route";
import { archiveExpiredEvents, listActivity, recordAuditEvent } from "@/lib/audit";
import { createOrgKeyArchiveSealer } from "@/lib/audit/sealers";
import { authCookieNames } from "@/lib/auth/cookies";
import type { Services } from "@/lib/services";
import { signSessionToken } from "@/lib/auth/session-token";
import { createSession } from "@/lib/auth/sessions";
import { getConfig } from "@/lib/config";
import { withSystem } from "@/lib/db/tenant";
import { loadSecrets } from "@/lib/keys";
import { createBlobStore } from "@/lib/storage";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/databases";

const request = vi.hoisted(() => ({ cookies: new Map<string, string>() }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (request.cookies.has(name) ? { name, value: request.cookies.get(name)! } : undefined) }),
  headers: async () => new Headers({ "x-request-id": crypto.randomUUID() }),
}));

describe("downloading an activity-log archive", () => {
  let t: TestDatabase;
  const holder = globalThis as typeof globalThis & { __rampartServices?: Promise<Services> };
  const ids = { org: "", other: "", owner: "", volunteer: "", archive: "" };
  const policy = { maxAgeSeconds: 86_400, idleTimeoutSeconds: 3_600 };

  async function tokenFor(userId: string) {
    const session = await createSession(t.db, { userId, policy });
    return signSessionToken({ sub: userId, sid: session.id }, loadSecrets().authSecret, 3600);
  }
  async function download(userId: string, slug: string, archiveId: string) {
    request.cookies = new Map([[authCookieNames(getConfig().secureCookies).session, await tokenFor(userId)]]);
    try {
      return await archiveRoute(new Request(`http://localhost/api/o/${slug}/audit-archives/${archiveId}`), { params: Promise.resolve({ org: slug, archive: archiveId }) });
    } finally {
      request.cookies = new Map();
    }
  }

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    await withSystem(t.db, async (tx) => {
      const [org] = await tx.insert(organizations).values({ slug: "archive-org", name: "Archive" }).returning();
      const [other] = await tx.insert(organizations).values({ slug: "other-org", name: "Other" }).returning();
      const [owner] = await tx.insert(users).values({ email: "o@archive.test", name: "O" }).returning();
      const [vol] = await tx.insert(users).values({ email: "v@archive.test", name: "V" }).returning();
      Object.assign(ids, { org: org!.id, other: other!.id, owner: owner!.id, volunteer: vol!.id });
      await tx.insert(memberships).values([
        { orgId: org!.id, userId: owner!.id, role: "owner" },
        { orgId: org!.id, userId: vol!.id, role: "volunteer" },
        { orgId: other!.id, userId: owner!.id, role: "owner" },
      ]);
    });
    holder.__rampartServices = Promise.resolve({ db: t.db, policy, secret: loadSecrets().authSecret } as Services);
    for (let i = 0; i < 3; i++)
      await recordAuditEvent(t.db, { orgId: ids.org, actor: { kind: "member", id: ids.owner }, action: "org.settings_changed", metadata: { keys: ["require2fa"] } });
    const run = await archiveExpiredEvents(t.db, createBlobStore(getConfig().blob), createOrgKeyArchiveSealer(t.db), {
      orgId: ids.org,
      now: new Date(Date.now() + 30 * 86_400_000),
    });
    expect(run.archives).toHaveLength(1);
    ids.archive = run.archives[0]!.id;
  });
  afterAll(async () => {
    holder.__rampartServices = undefined;
    await t?.drop();
  });

  it("gives the owner the archived events decrypted, and records the download", async () => {
    const res = await download(ids.owner, "archive-org", ids.archive);
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { action: string });
    expect(lines.filter((l) => l.action === "org.settings_changed")).toHaveLength(3);
    const feed = await listActivity(t.db, { orgId: ids.org, userId: ids.owner, role: "owner" }, {});
    expect(feed.events.map((e) => e.action)).toContain("audit.archive_downloaded");
  });

  it("answers 404 to a volunteer of the campaign", async () => {
    expect((await download(ids.volunteer, "archive-org", ids.archive)).status).toBe(404);
  });

  it("answers 404 when the archive belongs to another campaign, even to its owner", async () => {
    expect((await download(ids.owner, "other-org", ids.archive)).status).toBe(404);
  });
});
