import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { incidentCampaigns, incidentEntries, incidents } from "@/db/schema";
import { loadActivityFeed } from "@/lib/audit";
import { asOwner, seedCast, type Cast } from "@/lib/audit/test-helpers";
import { withTenant } from "@/lib/db/tenant";
import { createOutboxMailer, type Mailer } from "@/lib/mail";
import { setWallForTest } from "@/lib/tenancy/walls";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import {
  acknowledgeIncident,
  addIncidentEntry,
  changeIncidentStatus,
  createIncident,
  createIncidentSchema,
  listIncidentsForStaff,
  notifyAffectedOwners,
  recordBreachSwitches,
  resolvedIncidentCount,
  unacknowledgedIncidents,
} from ".";

const SUMMARY = "A misconfigured export link was reachable without signing in for forty minutes.";

describe.each(testBackends())("incidents (%s)", (backend) => {
  let t: TestDatabase;
  let cast: Cast;
  let staffId = "";
  const outbox = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-incidents-"));
  const mailer = createOutboxMailer(outbox, "rampart@example.test");
  const deps = { mailer, appUrl: "https://rampart.example.test" };
  const slugA = () => `a-inc-${backend}`;
  const slugB = () => `b-inc-${backend}`;
  const outboxMails = () => fs.readdirSync(outbox).map((f) => JSON.parse(fs.readFileSync(path.join(outbox, f), "utf8")) as { to: string; subject: string; text: string });
  const record = (campaigns: string, extra: Record<string, string> = {}) =>
    createIncident(t.db, { id: staffId }, createIncidentSchema.parse({ title: "Export link exposed", summary: SUMMARY, severity: "high", campaigns, ...extra }));
  const incidentEvents = (orgId: string | null, incidentId: string) =>
    asOwner<{ action: string; metadata: Record<string, unknown>; actor_kind: string }>(
      t,
      `SELECT action, metadata, actor_kind FROM audit_events WHERE target_type = 'incident' AND target_id = '${incidentId}' AND org_id ${orgId ? `= '${orgId}'` : "IS NULL"} ORDER BY created_at, seq`,
    );

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    cast = await seedCast(t, `inc-${backend}`);
    staffId = randomUUID();
    await asOwner(t, `INSERT INTO users (id, email, name, is_staff) VALUES ('${staffId}', 'staff-${backend}@rampart.test', 'Staff', true)`);
  });
  afterEach(() => setWallForTest("rls", true));
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it("runs open → entries → contained → resolved, and refuses to resolve without a debrief", async () => {
    const { id } = await record(slugA(), { switch_campaign_suspended: "on" });
    await addIncidentEntry(t.db, { id: staffId }, { incidentId: id, body: "Link disabled; access logs pulled." });
    await addIncidentEntry(t.db, { id: staffId }, { incidentId: id, body: "Two downloads found, both by the campaign's own admin." });
    await changeIncidentStatus(t.db, { id: staffId }, { incidentId: id, status: "contained" });
    await expect(changeIncidentStatus(t.db, { id: staffId }, { incidentId: id, status: "resolved" })).rejects.toThrow(/debrief/);
    await expect(changeIncidentStatus(t.db, { id: staffId }, { incidentId: id, status: "resolved", debrief: "too short" })).rejects.toThrow(/debrief/);
    await expect(changeIncidentStatus(t.db, { id: staffId }, { incidentId: id, status: "open" })).rejects.toThrow(/cannot become open/);
    await changeIncidentStatus(t.db, { id: staffId }, { incidentId: id, status: "resolved", debrief: "Cause: a missing guard on one route. The guard walk test now covers it." });
    await expect(addIncidentEntry(t.db, { id: staffId }, { incidentId: id, body: "One more thing." })).rejects.toThrow(/resolved/);
    await expect(changeIncidentStatus(t.db, { id: staffId }, { incidentId: id, status: "contained" })).rejects.toThrow(/cannot become contained/);

    const [view] = (await listIncidentsForStaff(t.db)).filter((i) => i.id === id);
    expect(view).toMatchObject({ status: "resolved", severity: "high", breachSwitches: ["campaign_suspended"], campaigns: [{ slug: slugA() }] });
    expect(view!.entries.map((e) => e.body)).toEqual(["Link disabled; access logs pulled.", "Two downloads found, both by the campaign's own admin."]);
    expect(view!.containedAt).not.toBeNull();
    expect(view!.resolvedAt).not.toBeNull();
  });

  it("the database itself refuses a resolved incident without a debrief", async () => {
    const { id } = await record(slugA());
    await expect(asOwner(t, `UPDATE incidents SET status = 'resolved', resolved_at = now() WHERE id = '${id}'`)).rejects.toThrow();
  });

  it("refuses unknown campaigns by name and records nothing", async () => {
    const before = await asOwner<{ n: number }>(t, "SELECT count(*)::int AS n FROM incidents");
    await expect(record(`${slugA()}, no-such-campaign`)).rejects.toMatchObject({ fieldErrors: { campaigns: expect.stringContaining("no-such-campaign") } });
    expect(await asOwner<{ n: number }>(t, "SELECT count(*)::int AS n FROM incidents")).toEqual(before);
  });

  it("audits every step in the platform chain and in the affected campaign's feed, never in another campaign's, without the text", async () => {
    const { id } = await record(slugA());
    await addIncidentEntry(t.db, { id: staffId }, { incidentId: id, body: "Write-up started." });
    await recordBreachSwitches(t.db, { id: staffId }, { incidentId: id, breachSwitches: ["sessions_revoked"] });
    await changeIncidentStatus(t.db, { id: staffId }, { incidentId: id, status: "contained" });
    await notifyAffectedOwners(t.db, id, deps);
    await withTenant(t.db, { orgId: cast.orgA, userId: cast.owner }, (tx) => acknowledgeIncident(tx, { orgId: cast.orgA, userId: cast.owner }, id));

    const inA = (await incidentEvents(cast.orgA, id)).map((e) => e.action);
    expect(inA).toEqual([
      "incident.created",
      "incident.entry_added",
      "incident.switches_recorded",
      "incident.status_changed",
      "incident.notified",
      "incident.notified",
      "incident.acknowledged",
    ]);
    expect((await incidentEvents(null, id)).map((e) => e.action)).toEqual(["incident.created", "incident.entry_added", "incident.switches_recorded", "incident.status_changed"]);
    expect(await incidentEvents(cast.orgB, id)).toEqual([]);
    const stored = JSON.stringify(await asOwner(t, `SELECT metadata FROM audit_events WHERE target_id = '${id}'`));
    expect(stored).not.toContain("Export link");
    expect(stored).not.toContain("misconfigured");

    const feedA = await loadActivityFeed(t.db, { orgId: cast.orgA, userId: cast.owner, role: "owner" }, { actions: "incidents" });
    expect(feedA.items.map((i) => i.sentence)).toEqual(
      expect.arrayContaining(["Rampart support recorded a high-severity security incident affecting this campaign", "You acknowledged a security incident", "Rampart mailed 1 owner about a security incident"]),
    );
    const feedB = await loadActivityFeed(t.db, { orgId: cast.orgB, userId: cast.rival, role: "owner" }, { actions: "incidents" });
    expect(feedB.items).toEqual([]);
  });

  it("notifies each owner of each affected campaign once, by mail with the staff's text, and shows the banner until an owner acknowledges", async () => {
    const secondOwner = randomUUID();
    await asOwner(t, `INSERT INTO users (id, email, name) VALUES ('${secondOwner}', 'second-owner-${backend}@example.test', 'Second')`);
    await asOwner(t, `INSERT INTO memberships (org_id, user_id, role) VALUES ('${cast.orgA}', '${secondOwner}', 'owner')`);
    const { id } = await record(`${slugA()} ${slugB()}`);
    const before = outboxMails().length;

    expect(await notifyAffectedOwners(t.db, id, deps)).toEqual({ campaigns: 2, mails: 3, failed: 0 });
    expect(await notifyAffectedOwners(t.db, id, deps)).toEqual({ campaigns: 0, mails: 0, failed: 0 });
    const mails = outboxMails().slice(before);
    expect(mails.map((m) => m.to).sort()).toEqual([`olive-inc-${backend}@example.test`, `rory-inc-${backend}@example.test`, `second-owner-${backend}@example.test`].sort());
    for (const m of mails) {
      expect(m.subject).toContain("Export link exposed");
      expect(m.text).toContain(SUMMARY);
    }
    expect(mails.find((m) => m.to.startsWith("olive"))!.text).toContain(`https://rampart.example.test/o/${slugA()}`);

    const banner = (userId: string, orgId = cast.orgA) => withTenant(t.db, { orgId, userId }, (tx) => unacknowledgedIncidents(tx, orgId));
    expect((await banner(cast.owner)).map((i) => i.id)).toContain(id);
    expect((await banner(cast.owner))[0]).toMatchObject({ title: expect.any(String), summary: expect.any(String) });
    expect((await banner(cast.rival, cast.orgB)).map((i) => i.id)).toContain(id);

    await withTenant(t.db, { orgId: cast.orgA, userId: secondOwner }, (tx) => acknowledgeIncident(tx, { orgId: cast.orgA, userId: secondOwner }, id));
    // Per campaign: one owner's acknowledgement clears the banner for every owner of that campaign, and only that campaign.
    expect((await banner(cast.owner)).map((i) => i.id)).not.toContain(id);
    expect((await banner(cast.rival, cast.orgB)).map((i) => i.id)).toContain(id);
    const [row] = await asOwner<{ acknowledged_by: string }>(t, `SELECT acknowledged_by FROM incident_campaigns WHERE incident_id = '${id}' AND org_id = '${cast.orgA}'`);
    expect(row!.acknowledged_by).toBe(secondOwner);
    await expect(withTenant(t.db, { orgId: cast.orgA, userId: cast.owner }, (tx) => acknowledgeIncident(tx, { orgId: cast.orgA, userId: cast.owner }, id))).rejects.toThrow(/not open/);
  });

  it("leaves a campaign un-notified when its mail fails, and sends it on the next call", async () => {
    const { id } = await record(slugA());
    const failing: Mailer = { send: async () => Promise.reject(new Error("smtp down")) };
    expect(await notifyAffectedOwners(t.db, id, { ...deps, mailer: failing })).toEqual({ campaigns: 0, mails: 0, failed: 1 });
    expect(await incidentEvents(cast.orgA, id)).toHaveLength(1);
    expect(await notifyAffectedOwners(t.db, id, deps)).toMatchObject({ campaigns: 1, failed: 0 });
  });

  it("only owners acknowledge, only for their own campaign", async () => {
    const { id } = await record(slugA());
    const ack = (orgId: string, userId: string) => withTenant(t.db, { orgId, userId }, (tx) => acknowledgeIncident(tx, { orgId, userId }, id));
    await expect(ack(cast.orgA, cast.admin)).rejects.toThrow(/not open/);
    await expect(ack(cast.orgA, cast.volunteer)).rejects.toThrow(/not open/);
    await expect(ack(cast.orgB, cast.rival)).rejects.toThrow(/not open/);
    await expect(ack(cast.orgA, cast.rival)).rejects.toThrow(/not open/);
    await ack(cast.orgA, cast.owner);
  });

  describe("tenant isolation (wall 3)", () => {
    it("shows a campaign's incidents to its owners and admins only; another campaign's owner reads nothing of them", async () => {
      const { id } = await record(slugA());
      await addIncidentEntry(t.db, { id: staffId }, { incidentId: id, body: "Timeline entry only campaign A may read." });
      const readAll = (orgId: string, userId: string) =>
        withTenant(t.db, { orgId, userId }, async (tx) => ({
          incidents: (await tx.select({ id: incidents.id }).from(incidents).where(eq(incidents.id, id))).length,
          entries: (await tx.select({ id: incidentEntries.id }).from(incidentEntries).where(eq(incidentEntries.incidentId, id))).length,
          links: (await tx.select({ orgId: incidentCampaigns.orgId }).from(incidentCampaigns).where(eq(incidentCampaigns.incidentId, id))).length,
        }));
      expect(await readAll(cast.orgA, cast.owner)).toEqual({ incidents: 1, entries: 1, links: 1 });
      expect(await readAll(cast.orgA, cast.admin)).toEqual({ incidents: 1, entries: 1, links: 1 });
      expect(await readAll(cast.orgA, cast.volunteer)).toEqual({ incidents: 0, entries: 0, links: 0 });
      // The rival owner, in their own campaign and naming campaign A (where they are no member):
      expect(await readAll(cast.orgB, cast.rival)).toEqual({ incidents: 0, entries: 0, links: 0 });
      expect(await readAll(cast.orgA, cast.rival)).toEqual({ incidents: 0, entries: 0, links: 0 });
    });

    it("with wall 3 switched off the same reads would leak: the test above is what the policies hold", async () => {
      const { id } = await record(slugA());
      setWallForTest("rls", false);
      const leaked = await withTenant(t.db, { orgId: cast.orgB, userId: cast.rival }, (tx) => tx.select({ id: incidents.id }).from(incidents).where(eq(incidents.id, id)));
      expect(leaked).toHaveLength(1);
    });

    it("refuses members' writes to incident rows: only the system scope records them", async () => {
      const { id } = await record(slugA());
      await expect(
        withTenant(t.db, { orgId: cast.orgA, userId: cast.owner }, (tx) => tx.update(incidents).set({ summary: "Nothing happened." }).where(eq(incidents.id, id)).returning({ id: incidents.id })),
      ).resolves.toEqual([]);
      await expect(withTenant(t.db, { orgId: cast.orgA, userId: cast.owner }, (tx) => tx.insert(incidents).values({ title: "Fake", summary: "Fake incident text", severity: "low" }))).rejects.toThrow();
      await expect(withTenant(t.db, { orgId: cast.orgA, userId: cast.owner }, (tx) => tx.insert(incidentEntries).values({ incidentId: id, body: "forged" }))).rejects.toThrow();
      // An owner cannot acknowledge in someone else's name.
      await expect(
        withTenant(t.db, { orgId: cast.orgA, userId: cast.owner }, (tx) =>
          tx.update(incidentCampaigns).set({ acknowledgedAt: new Date(), acknowledgedBy: cast.admin }).where(eq(incidentCampaigns.incidentId, id)),
        ),
      ).rejects.toThrow();
      expect(await asOwner(t, `SELECT acknowledged_at FROM incident_campaigns WHERE incident_id = '${id}'`)).toEqual([{ acknowledged_at: null }]);
    });
  });

  it("counts incidents resolved in the last twelve months, nothing older and nothing open", async () => {
    const now = new Date();
    const base = await resolvedIncidentCount(t.db, now);
    const { id } = await record(slugA());
    expect(await resolvedIncidentCount(t.db, now)).toBe(base);
    await changeIncidentStatus(t.db, { id: staffId }, { incidentId: id, status: "resolved", debrief: "Contained on discovery; nothing was read by anyone else." });
    expect(await resolvedIncidentCount(t.db, new Date(Date.now() + 1000))).toBe(base + 1);
    await asOwner(t, `UPDATE incidents SET resolved_at = now() - interval '400 days' WHERE id = '${id}'`);
    expect(await resolvedIncidentCount(t.db, new Date(Date.now() + 1000))).toBe(base);
  });

  it("keeps audit metadata to enums and counts (the schemas refuse free text)", async () => {
    const { id } = await record(slugA());
    const [event] = await asOwner<{ metadata: Record<string, unknown> }>(t, `SELECT metadata FROM audit_events WHERE target_id = '${id}' AND action = 'incident.created' LIMIT 1`);
    expect(event!.metadata).toEqual({ severity: "high" });
  });
});
