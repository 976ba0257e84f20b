import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { contacts, integrationSecrets, integrationSettings, integrationSyncs } from "@/db/schema";
import { asOwner } from "@/lib/audit/test-helpers";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { ROTATE_DATA_KEY_JOB, rotateDataKeyHandler, startDataKeyRotation } from "@/lib/crypto/rotation";
import { withTenant } from "@/lib/db/tenant";
import { RuleError } from "@/lib/errors";
import { runJobsUntilIdle } from "@/lib/jobs/runner";
import { fileReport, completeReport, reportViewer } from "@/lib/reports/reports";
import { createLocalBlobStore } from "@/lib/storage";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { startTestRemote, type TestRemote } from "./connectors/test-remote";
import { TEST_VAN, testVan, type TestVan } from "./connectors/test-van";
import { pushJobHandler } from "./push";
import { PUSH_JOB, connectorFor, disconnectSystem, integrationsOverview, recordVerifyFailure, requestSync, saveConnection, saveMapping, verifyAndListCodes, type BaseUrls } from "./service";

/**
 * Integrations end to end below the browser: connect against a VAN on loopback, map, a volunteer's completed report
 * queued by the reports trigger and pushed by the job, retries, disconnect, another campaign and volunteers kept out
 * by RLS (the middleware and guard walls are not in this path), the key never stored or logged in clear.
 */
describe.each(testBackends())("integrations (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let remote: TestRemote;
  let van: TestVan;
  let urls: BaseUrls;
  let onPush: (() => Promise<void>) | null = null;
  let withId: string; // assigned to the volunteer, VAN ID 100200
  let withoutId: string; // assigned to the volunteer, no external id
  let unknownId: string; // VAN ID VAN does not know
  const creds = { applicationName: TEST_VAN.applicationName, apiKey: TEST_VAN.apiKey, mode: TEST_VAN.mode };
  const admin = () => ({ orgId: f.orgA, actor: { kind: "member" as const, id: f.admin } });
  const asAdmin = <T>(fn: (tx: Parameters<Parameters<typeof withTenant>[2]>[0]) => Promise<T>) => withTenant(t.db, { orgId: f.orgA, userId: f.admin }, fn);
  const runPush = () => runJobsUntilIdle(t.db, { handlers: { [PUSH_JOB]: pushJobHandler(() => urls) } });
  const report = async (contactId: string, outcome: "reached" | "no_answer", complete = true, userId = f.volunteer) =>
    withTenant(t.db, { orgId: f.orgA, userId }, (tx) =>
      fileReport(tx, reportViewer({ org: { id: f.orgA } as never, userId, role: "volunteer" }), { contactId, outcome, answers: outcome === "reached" ? { support: "strong_support" } : {}, complete }),
    );
  const syncs = () => asAdmin((tx) => tx.select().from(integrationSyncs).where(eq(integrationSyncs.orgId, f.orgA)));
  const connect = async () => {
    const check = await verifyAndListCodes(connectorFor("van", creds, f.orgA, urls));
    if (!check.ok) throw new Error(check.message);
    await asAdmin((tx) => saveConnection(tx, { ...admin(), connectedBy: f.admin }, "van", { applicationName: TEST_VAN.applicationName, apiKey: TEST_VAN.apiKey, mode: "1" }, check.codes));
    await asAdmin((tx) =>
      saveMapping(tx, admin(), "van", { outcomes: { reached: "code:4501", no_answer: "result:18" }, answers: { "support:strong_support": "response:301:1" }, contactTypeId: "2" }),
    );
  };

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "ig");
    van = testVan();
    remote = await startTestRemote(async (req) => {
      if (onPush && req.path.endsWith("/canvassResponses")) await onPush();
      return van.answer(req);
    });
    urls = { van: `${remote.url}/v4`, pdi: remote.url, salsa: remote.url };
    const ids = await asAdmin((tx) =>
      insertContacts(tx, f.orgA, ["Ada Voter", "Ben Nobody", "Cy Unknown"].map((name) => contactInputSchema.parse({ name })), { source: "import", assignedTo: f.volunteer }),
    );
    [withId, withoutId, unknownId] = [ids[0]!, ids[1]!, ids[2]!];
    await asAdmin((tx) => tx.update(contacts).set({ externalId: "100200" }).where(eq(contacts.id, withId)));
    await asAdmin((tx) => tx.update(contacts).set({ externalId: "999999" }).where(eq(contacts.id, unknownId)));
  }, 60_000);
  afterAll(async () => {
    await remote?.close();
    await t?.drop();
  });
  beforeEach(() => {
    onPush = null;
    van.received.clear();
    van.failNext.length = 0;
  });

  it("refuses a bad key: nothing stored, the refusal recorded without the key", async () => {
    const check = await verifyAndListCodes(connectorFor("van", { ...creds, apiKey: "wrong-key-wrong-key-123" }, f.orgA, urls));
    expect(check).toMatchObject({ ok: false, reason: "bad_credentials" });
    await asAdmin((tx) => recordVerifyFailure(tx, admin(), "van", "bad_credentials"));
    expect(await asAdmin((tx) => tx.select().from(integrationSecrets).where(eq(integrationSecrets.orgId, f.orgA)))).toEqual([]);
    const events = await asOwner<{ metadata: unknown }>(t, "select metadata from audit_events where action = 'integration.verify_failed'");
    expect(events).toEqual([{ metadata: { system: "van", reason: "bad_credentials" } }]);
  });

  it("connects with a verified key sealed in the database, and a mapping to codes VAN offers only", async () => {
    await connect();
    const [overview] = await asAdmin((tx) => integrationsOverview(tx, f.orgA));
    expect(overview!.connection).toMatchObject({ mapping: { outcomes: { reached: "code:4501" } } });
    expect(overview!.connection!.codes.activistCodes.map((c) => c.name)).toEqual(["Volunteer prospect", "Yard sign"]);
    await expect(asAdmin((tx) => saveMapping(tx, admin(), "van", { outcomes: { reached: "code:9999" } }))).rejects.toMatchObject({ fieldErrors: { "outcome.reached": expect.any(String) } });
    const raw = await asOwner<{ credentials: string }>(t, `select encode(credentials, 'escape') as credentials from integration_secrets where org_id = '${f.orgA}'`);
    expect(raw[0]!.credentials).not.toContain(TEST_VAN.apiKey);
  });

  it("a volunteer's completed report on a contact with a VAN ID is queued by the trigger and sent with the mapped codes; drafts and contacts without an id never are", async () => {
    const draft = await report(withId, "reached", false);
    await report(withoutId, "reached");
    expect(await syncs()).toEqual([]);
    await withTenant(t.db, { orgId: f.orgA, userId: f.volunteer }, (tx) => completeReport(tx, reportViewer({ org: { id: f.orgA } as never, userId: f.volunteer, role: "volunteer" }), draft!.id));
    expect((await syncs()).map((s) => s.status)).toEqual(["queued"]);
    expect(await asOwner(t, `select 1 from jobs where kind = '${PUSH_JOB}' and state = 'queued'`)).toHaveLength(1);
    await runPush();
    expect(van.received.get("100200")).toEqual([
      {
        canvassContext: { contactTypeId: 2, inputTypeId: 11, dateCanvassed: expect.any(String) },
        resultCodeId: null,
        responses: [
          { type: "ActivistCode", activistCodeId: 4501, action: "Apply" },
          { type: "SurveyResponse", surveyQuestionId: 301, surveyResponseId: 1 },
        ],
      },
    ]);
    expect((await syncs()).map((s) => s.status)).toEqual(["sent"]);
    const [batch] = await asOwner<{ metadata: unknown }>(t, "select metadata from audit_events where action = 'integration.synced' order by created_at desc, id limit 1");
    expect(batch!.metadata).toEqual({ system: "van", sent: 1, skipped: 0, failed: 0, retrying: 0 });
  });

  it("retries a remote 500, backs off on a long Retry-After, and fails an unknown VAN ID in words", async () => {
    van.failNext.push({ status: 500 });
    await report(withId, "no_answer");
    await runPush();
    expect(van.received.get("100200")?.at(-1)).toMatchObject({ resultCodeId: 18, responses: null });

    van.failNext.push({ status: 429, headers: { "retry-after": "600" } });
    await report(withId, "reached");
    await runPush();
    const waiting = (await syncs()).find((s) => s.status === "queued")!;
    expect(waiting.error).toMatch(/slow down/);
    expect(waiting.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 500_000);
    expect((await asAdmin((tx) => requestSync(tx, f.orgA, "van"))).queued).toBe(1);
    await runPush();
    expect((await syncs()).filter((s) => s.status === "queued")).toEqual([]);

    await report(unknownId, "reached");
    await runPush();
    const failed = (await syncs()).find((s) => s.contactId === unknownId)!;
    expect(failed).toMatchObject({ status: "failed", error: "NGP VAN has no person with that id" });
  });

  it("keeps other campaigns and volunteers out of the integration by RLS alone", async () => {
    for (const who of [{ orgId: f.orgA, userId: f.ownerB }, { orgId: f.orgA, userId: f.volunteer }, { orgId: f.orgB, userId: f.ownerB }]) {
      await withTenant(t.db, who, async (tx) => {
        expect(await tx.select().from(integrationSecrets).where(eq(integrationSecrets.orgId, f.orgA))).toEqual([]);
        expect(await tx.select().from(integrationSettings).where(eq(integrationSettings.orgId, f.orgA))).toEqual([]);
        expect(await tx.select().from(integrationSyncs).where(eq(integrationSyncs.orgId, f.orgA))).toEqual([]);
      });
      await expect(withTenant(t.db, who, (tx) => disconnectSystem(tx, { orgId: f.orgA, actor: { kind: "member", id: who.userId } }, "van"))).rejects.toBeInstanceOf(RuleError);
      await expect(withTenant(t.db, who, (tx) => saveMapping(tx, { orgId: f.orgA, actor: { kind: "member", id: who.userId } }, "van", { outcomes: {} }))).rejects.toBeInstanceOf(RuleError);
    }
    expect(await asAdmin((tx) => tx.select().from(integrationSecrets).where(eq(integrationSecrets.orgId, f.orgA)))).toHaveLength(1);
  });

  it("still sends after the campaign's data key is rotated (the credential is re-encrypted with the rest)", async () => {
    await startDataKeyRotation(t.db, f.orgA);
    const blobs = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-ig-"));
    await runJobsUntilIdle(t.db, { handlers: { [ROTATE_DATA_KEY_JOB]: rotateDataKeyHandler(createLocalBlobStore(blobs)) } });
    const versions = await asOwner<{ v: number }>(t, `select get_byte(credentials, 5) as v from integration_secrets where org_id = '${f.orgA}'`);
    expect(versions[0]!.v).toBe(2);
    await report(withId, "reached");
    await runPush();
    expect(van.received.get("100200")).toHaveLength(1);
  });

  it("disconnect deletes the key at once, cancels what was queued, keeps the history, and nothing more is sent", async () => {
    van.failNext.push({ status: 429, headers: { "retry-after": "600" } });
    await report(withId, "reached");
    await runPush();
    const before = (await syncs()).length;
    await report(withId, "reached");
    expect(await asAdmin((tx) => disconnectSystem(tx, admin(), "van"))).toEqual({ cancelled: 2 });
    await runPush();
    expect(van.received.get("100200") ?? []).toEqual([]);
    const after = await syncs();
    expect(after.length).toBe(before + 1);
    expect(after.filter((s) => s.status === "cancelled")).toHaveLength(2);
    expect(await asAdmin((tx) => tx.select().from(integrationSecrets).where(eq(integrationSecrets.orgId, f.orgA)))).toEqual([]);
    // A completed report after the disconnect queues nothing.
    await report(withId, "reached");
    expect((await syncs()).length).toBe(after.length);
    // The key is in no table, no audit event and no job, in clear.
    const tables = await asOwner<{ name: string }>(t, "select tablename as name from pg_tables where schemaname = 'public'");
    for (const { name } of tables) {
      const [row] = await asOwner<{ dump: string }>(t, `select coalesce(string_agg(t::text, ' '), '') as dump from "${name}" t`);
      expect(row!.dump, name).not.toContain(TEST_VAN.apiKey);
    }
    const disconnected = await asOwner<{ metadata: unknown }>(t, "select metadata from audit_events where action = 'integration.disconnected'");
    expect(disconnected).toEqual([{ metadata: { system: "van", cancelled: 2 } }]);
  });

  it("a disconnect in the middle of a batch stops what was not yet sent", async () => {
    await connect();
    await report(withId, "reached");
    await report(withId, "reached");
    await report(withId, "reached");
    let disconnected = false;
    onPush = async () => {
      if (disconnected) return;
      disconnected = true;
      await asAdmin((tx) => disconnectSystem(tx, admin(), "van"));
    };
    await runPush();
    // The request in flight when the admin disconnected lands; the two behind it never leave.
    expect(van.received.get("100200")).toHaveLength(1);
    const latest = (await syncs()).sort((a, b) => b.queuedAt.getTime() - a.queuedAt.getTime()).slice(0, 3);
    expect(latest.map((s) => s.status).sort()).toEqual(["cancelled", "cancelled", "cancelled"]);
  });
});
