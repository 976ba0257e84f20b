import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { deletionRequests, users } from "@/db/schema";
import { fulfilDeletionRequestAction, declineDeletionRequestAction } from "@/app/o/[org]/deletion-requests/actions";
import { authCookieNames } from "@/lib/auth/cookies";
import type { Services } from "@/lib/services";
import { signSessionToken } from "@/lib/auth/session-token";
import { createSession } from "@/lib/auth/sessions";
import { getConfig } from "@/lib/config";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { loadSecrets } from "@/lib/keys";
import { requestDeletionEverywhere } from "@/lib/privacy/deletion-requests";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { deleteAccountAction, deleteSyncedContactsAction } from "./actions";
import { POST as exportRoute } from "./export/route";

const request = vi.hoisted(() => ({ cookies: new Map<string, string>(), set: [] as { name: string; value: string; maxAge?: number }[] }));
vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (request.cookies.has(name) ? { name, value: request.cookies.get(name)! } : undefined),
    set: (name: string, value: string, options: { maxAge?: number }) => request.set.push({ name, value, maxAge: options.maxAge }),
  }),
  headers: async () => new Headers({ "x-request-id": crypto.randomUUID() }),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

/** The edges of the slice with the guard chain in place: the export route, the settings actions and the campaign's decision actions. */
describe.each(testBackends())("privacy routes and actions behind their guards (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let requestId = "";
  const holder = globalThis as typeof globalThis & { __rampartServices?: Promise<Services> };
  const policy = { maxAgeSeconds: 86_400, idleTimeoutSeconds: 3_600 };
  const cookieName = () => authCookieNames(getConfig().secureCookies).session;

  async function signIn(userId: string | null) {
    request.cookies = new Map();
    if (!userId) return;
    const session = await createSession(t.db, { userId, policy });
    request.cookies.set(cookieName(), await signSessionToken({ sub: userId, sid: session.id }, loadSecrets().authSecret, 3600));
  }
  const form = (values: Record<string, string>) => {
    const data = new FormData();
    for (const [k, v] of Object.entries(values)) data.set(k, v);
    return data;
  };
  const exportAs = async (userId: string | null, headers: Record<string, string> = {}) => {
    await signIn(userId);
    return exportRoute(new Request(`${getConfig().appUrl}/settings/privacy/export`, { method: "POST", headers }), { params: Promise.resolve({}) });
  };

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "pe");
    holder.__rampartServices = Promise.resolve({ db: t.db, policy, secret: loadSecrets().authSecret } as Services);
    await withTenant(t.db, { orgId: f.orgA, userId: f.volunteer }, (tx) =>
      insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Granny Weatherwax", email: "outsider@pe.test" })], { source: "sync", syncedBy: f.volunteer }),
    );
    await requestDeletionEverywhere(t.db, f.outsider);
    const [row] = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select({ id: deletionRequests.id }).from(deletionRequests));
    requestId = row!.id;
  }, 120_000);
  afterAll(async () => {
    holder.__rampartServices = undefined;
    await t?.drop();
  });

  it("the export answers 401 problem+json without a session and refuses a cross-site POST", async () => {
    const anonymous = await exportAs(null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toBe("application/problem+json");
    expect((await exportAs(f.volunteer, { origin: "https://evil.example" })).status).toBe(403);
  });

  it("the export downloads the person's JSON, uncached, with their synced contacts decrypted", async () => {
    const res = await exportAs(f.volunteer, { origin: new URL(getConfig().appUrl).origin });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="rampart-export-\d{4}-\d\d-\d\d\.json"$/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { account: { email: string }; syncedContacts: { campaign: string; contacts: { name: string }[] }[] };
    expect(body.account.email).toBe("volunteer@pe.test");
    expect(body.syncedContacts).toEqual([{ campaign: "a", contacts: [expect.objectContaining({ name: "Granny Weatherwax" })] }]);
  });

  it("a volunteer's fulfil or decline is refused by the guard; another campaign's owner cannot reach the request", async () => {
    await signIn(f.volunteer);
    expect(await fulfilDeletionRequestAction({}, form({ org: "pe-a", requestId }))).toMatchObject({ message: "This campaign is not available to you." });
    expect(await declineDeletionRequestAction({}, form({ org: "pe-a", requestId, reason: "other" }))).toMatchObject({ message: "This campaign is not available to you." });
    await signIn(f.ownerB);
    expect(await fulfilDeletionRequestAction({}, form({ org: "pe-a", requestId }))).toMatchObject({ message: "This campaign is not available to you." });
    expect(await fulfilDeletionRequestAction({}, form({ org: "pe-b", requestId }))).toMatchObject({ message: "That request is not available." });
    const [row] = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select({ status: deletionRequests.status }).from(deletionRequests).where(eq(deletionRequests.id, requestId)));
    expect(row?.status).toBe("pending");
  });

  it("an admin's decline needs a reason from the list", async () => {
    await signIn(f.admin);
    expect(await declineDeletionRequestAction({}, form({ org: "pe-a", requestId, reason: "because" }))).toMatchObject({ fieldErrors: { reason: "Choose a reason." } });
  });

  it("an admin's fulfilment deletes the volunteer's synced match too", async () => {
    await signIn(f.admin);
    expect(await fulfilDeletionRequestAction({}, form({ org: "pe-a", requestId }))).toMatchObject({ ok: true, message: expect.stringContaining("1 contact deleted") });
  });

  it("deleting synced contacts needs the confirmation box", async () => {
    await signIn(f.volunteer2);
    expect(await deleteSyncedContactsAction({}, form({ scope: "all" }))).toMatchObject({ fieldErrors: { confirm: expect.stringContaining("cannot be undone") } });
    expect(await deleteSyncedContactsAction({}, form({ scope: "all", confirm: "on" }))).toMatchObject({ ok: true, message: "There was nothing left to delete." });
  });

  it("deleting the account needs the account email typed, refuses the last owner, then signs the person out", async () => {
    await signIn(f.volunteer2);
    expect(await deleteAccountAction({}, form({ email: "someone@else.test" }))).toMatchObject({ fieldErrors: { email: expect.any(String) } });
    await signIn(f.owner);
    expect(await deleteAccountAction({}, form({ email: "owner@pe.test" }))).toMatchObject({
      message: "You are the last owner of pe-a: make someone else an owner or delete the campaign first.",
    });
    await signIn(f.volunteer2);
    request.set = [];
    await expect(deleteAccountAction({}, form({ email: " Volunteer2@PE.test " }))).rejects.toSatisfy((err: unknown) =>
      String((err as { digest?: string }).digest).includes("/?notice=account-deleted"),
    );
    expect(request.set).toEqual([{ name: cookieName(), value: "", maxAge: 0 }]);
    expect(await withSystem(t.db, (tx) => tx.select().from(users).where(eq(users.id, f.volunteer2)))).toEqual([]);
  });
});
