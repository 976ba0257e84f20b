import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { incidentCampaigns, incidents, users } from "@/db/schema";
import { acknowledgeIncidentAction } from "@/app/o/[org]/incidents/actions";
import { markPoliciesReadAction } from "@/app/(public)/policies/actions";
import { withSystem } from "@/lib/db/tenant";
import { createOutboxMailer } from "@/lib/mail";
import { actionForm, clearTestServices, signedInCookies, useTestServices } from "@/lib/testing/signed-in-actions";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { addIncidentEntryAction, changeIncidentStatusAction, createIncidentAction } from "./actions";
import StaffIncidentsPage from "./page";

const request = vi.hoisted(() => ({ cookies: new Map<string, string>() }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (request.cookies.has(name) ? { name, value: request.cookies.get(name)! } : undefined) }),
  headers: async () => new Headers({ "x-request-id": crypto.randomUUID() }),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

/** The edges of incidents with the guards in place: staff-only actions and page, owner-only acknowledgement. */
describe.each(testBackends())("incident pages and actions behind their guards (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let staff = "";
  const outbox = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-incident-edges-"));

  async function signIn(userId: string) {
    request.cookies = await signedInCookies(t.db, userId);
  }
  const form = (values: Record<string, string>) => actionForm(values);
  const incident = { title: "Export link exposed", summary: "An export link was reachable without signing in for forty minutes.", severity: "high", campaigns: "ie-a" };
  const incidentCount = async () => (await withSystem(t.db, (tx) => tx.select({ id: incidents.id }).from(incidents))).length;

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "ie");
    staff = await withSystem(t.db, async (tx) => (await tx.insert(users).values({ email: "staff@ie.test", name: "Staff", isStaff: true }).returning({ id: users.id }))[0]!.id);
    useTestServices(t.db, { mailer: createOutboxMailer(outbox, "rampart@example.test"), appUrl: "https://rampart.example.test" });
  }, 120_000);
  afterAll(async () => {
    clearTestServices();
    await t?.drop();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it("answers 404 to a campaign owner on the staff page and on every staff action, and records nothing", async () => {
    await signIn(f.owner);
    await expect(StaffIncidentsPage()).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
    await expect(createIncidentAction({}, form(incident))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
    const someId = crypto.randomUUID();
    await expect(addIncidentEntryAction({}, form({ incidentId: someId, body: "Not staff." }))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
    await expect(changeIncidentStatusAction({}, form({ incidentId: someId, status: "contained" }))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
    expect(await incidentCount()).toBe(0);
  });

  it("lets staff record an incident, mails the owner, and shows field errors for bad input", async () => {
    await signIn(staff);
    expect(await createIncidentAction({}, form({ ...incident, severity: "apocalyptic", campaigns: "no-such-campaign" }))).toMatchObject({ fieldErrors: { severity: expect.any(String) } });
    expect(await createIncidentAction({}, form({ ...incident, campaigns: "no-such-campaign" }))).toMatchObject({ fieldErrors: { campaigns: expect.stringContaining("no-such-campaign") } });
    expect(await createIncidentAction({}, form({ ...incident, switch_sessions_revoked: "on" }))).toMatchObject({ ok: true, message: expect.stringContaining("1 owner of 1 campaign mailed") });
    const [row] = await withSystem(t.db, (tx) => tx.select().from(incidents));
    expect(row).toMatchObject({ title: incident.title, breachSwitches: ["sessions_revoked"], createdBy: staff });
    expect(fs.readdirSync(outbox)).toHaveLength(1);
    expect(await StaffIncidentsPage()).toBeTruthy();
  });

  it("lets only an owner of the affected campaign acknowledge", async () => {
    const [row] = await withSystem(t.db, (tx) => tx.select({ id: incidents.id }).from(incidents));
    const ack = { org: "ie-a", incidentId: row!.id };
    await signIn(f.admin);
    expect(await acknowledgeIncidentAction({}, form(ack))).toMatchObject({ message: "This campaign is not available to you." });
    await signIn(f.ownerB);
    expect(await acknowledgeIncidentAction({}, form(ack))).toMatchObject({ message: "This campaign is not available to you." });
    expect(await acknowledgeIncidentAction({}, form({ ...ack, org: "ie-b" }))).toMatchObject({ message: expect.stringContaining("not open for acknowledgement") });
    await signIn(f.owner);
    expect(await acknowledgeIncidentAction({}, form(ack))).toMatchObject({ ok: true });
    const [link] = await withSystem(t.db, (tx) => tx.select().from(incidentCampaigns).where(eq(incidentCampaigns.incidentId, row!.id)));
    expect(link!.acknowledgedBy).toBe(f.owner);
  });

  it("marks policies read for the signed-in person only", async () => {
    await withSystem(t.db, (tx) => tx.update(users).set({ createdAt: new Date("2020-01-01T00:00:00Z") }).where(eq(users.id, f.volunteer)));
    await signIn(f.volunteer);
    expect(await markPoliciesReadAction({}, form({}))).toMatchObject({ ok: true });
    const receipts = await withSystem(t.db, (tx) => tx.query.policyReadReceipts.findMany());
    expect(new Set(receipts.map((r) => r.userId))).toEqual(new Set([f.volunteer]));
  });
});
