import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { integrationSecrets, integrationSettings, organizations } from "@/db/schema";
import { getConfig } from "@/lib/config";
import { withTenant } from "@/lib/db/tenant";
import { startTestRemote, type TestRemote } from "@/lib/integrations/connectors/test-remote";
import { TEST_VAN, testVan } from "@/lib/integrations/connectors/test-van";
import { actionForm, clearTestServices, signedInCookies, useTestServices } from "@/lib/testing/signed-in-actions";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { connectIntegrationAction, disconnectIntegrationAction, saveMappingAction, syncNowAction } from "./actions";

const request = vi.hoisted(() => ({ cookies: new Map<string, string>() }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (request.cookies.has(name) ? { name, value: request.cookies.get(name)! } : undefined) }),
  headers: async () => new Headers({ "x-request-id": crypto.randomUUID() }),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

/** The integrations page's actions: only owners and admins of the campaign, the key checked before it is kept, never echoed back. */
describe.each(testBackends())("integration actions (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let remote: TestRemote;
  let slug = "";
  const previousVan = getConfig().integrations.van;

  async function signIn(userId: string) {
    request.cookies = await signedInCookies(t.db, userId);
  }
  const form = (values: Record<string, string>) => actionForm(values, slug);
  const secretRows = () => withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select().from(integrationSecrets).where(eq(integrationSecrets.orgId, f.orgA)));
  const good = { system: "van", applicationName: TEST_VAN.applicationName, apiKey: TEST_VAN.apiKey, mode: "1" };

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "ia");
    useTestServices(t.db);
    const [org] = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, f.orgA)));
    slug = org!.slug;
    const van = testVan();
    remote = await startTestRemote((req) => van.answer(req));
    // The configuration is read once per process; the test points this process's VAN at the loopback one.
    getConfig().integrations.van = `${remote.url}/v4`;
  }, 60_000);
  afterAll(async () => {
    getConfig().integrations.van = previousVan;
    clearTestServices();
    await remote?.close();
    await t?.drop();
  });

  it("refuses volunteers and members of other campaigns before anything is sent to VAN", async () => {
    for (const who of [f.volunteer, f.ownerB, f.outsider]) {
      await signIn(who);
      expect(await connectIntegrationAction({}, form(good))).toEqual({ message: "This campaign is not available to you.", values: expect.anything() });
      expect(await disconnectIntegrationAction({}, form({ system: "van" }))).toMatchObject({ message: "This campaign is not available to you." });
    }
    expect(remote.requests).toEqual([]);
    expect(await secretRows()).toEqual([]);
  });

  it("checks the fields, then the key with VAN; a refused key is reported in words and never put back in the form", async () => {
    await signIn(f.admin);
    expect(await connectIntegrationAction({}, form({ system: "van", applicationName: "", apiKey: "x", mode: "1" }))).toMatchObject({
      fieldErrors: { applicationName: expect.any(String), apiKey: expect.any(String) },
    });
    const refused = await connectIntegrationAction({}, form({ ...good, apiKey: "not-the-right-key-42" }));
    expect(refused.message).toMatch(/refused the key/);
    expect(JSON.stringify(refused)).not.toContain("not-the-right-key-42");
    expect(refused.values).toMatchObject({ applicationName: TEST_VAN.applicationName });
    expect(refused.values).not.toHaveProperty("apiKey");
    expect(await secretRows()).toEqual([]);
  });

  it("connects, maps, queues a sync and disconnects for an admin", async () => {
    await signIn(f.admin);
    expect(await connectIntegrationAction({}, form(good))).toMatchObject({ ok: true, message: expect.stringMatching(/^Connected to NGP VAN/) });
    expect(await secretRows()).toHaveLength(1);
    expect(await saveMappingAction({}, form({ system: "van", "outcome.reached": "code:4501", "outcome.no_answer": "result:18", contactTypeId: "2" }))).toMatchObject({ ok: true });
    expect(await saveMappingAction({}, form({ system: "van", "outcome.reached": "code:77" }))).toMatchObject({ fieldErrors: { "outcome.reached": expect.any(String) } });
    const [settings] = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select().from(integrationSettings).where(eq(integrationSettings.orgId, f.orgA)));
    expect(settings!.mapping).toEqual({ outcomes: { reached: "code:4501", no_answer: "result:18" }, answers: {}, contactTypeId: "2" });
    expect(await syncNowAction({}, form({ system: "van" }))).toMatchObject({ ok: true, message: "Nothing is waiting to be sent." });
    expect(await disconnectIntegrationAction({}, form({ system: "van" }))).toMatchObject({ ok: true, message: expect.stringMatching(/^Disconnected: the key is deleted/) });
    expect(await secretRows()).toEqual([]);
    expect(await disconnectIntegrationAction({}, form({ system: "van" }))).toMatchObject({ message: "This system is not connected." });
  });
});
