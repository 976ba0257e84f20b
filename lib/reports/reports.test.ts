import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionAssignees, actions, auditEvents, contacts, reports } from "@/db/schema";
import { getContact } from "@/lib/contacts/get-contact";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { syncContacts } from "@/lib/contacts/sync";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import type { AccessRole } from "@/lib/tenancy/permissions";
import {
  completeReport,
  fileReport,
  listCompletedReports,
  listMyReports,
  listReportsForContact,
  reportsThisWeek,
  updateDraft,
  type ReportViewer,
} from "./reports";

describe.each(testBackends())("outreach reports (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  const ids = { assigned: "", campaign: "", synced: "", synced2: "", mine: "", liveAction: "", otherAction: "", deletedAction: "" };
  let draftId = "";
  const v = (userId: string, role: AccessRole): ReportViewer => ({ orgId: f.orgA, userId, role });
  const vol = () => v(f.volunteer, "volunteer");
  const admin = () => v(f.admin, "admin");
  const as = <T>(viewer: ReportViewer, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(t.db, { orgId: viewer.orgId, userId: viewer.userId }, fn);
  const system = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(t.db, { orgId: f.orgA }, fn);
  /** Straight SQL under RLS: which of these contacts this person's transaction returns. */
  const rlsSees = (viewer: ReportViewer, id: string) => as(viewer, async (tx) => (await tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.id, id))).length > 0);
  const reportCount = () => system(async (tx) => (await tx.select({ id: reports.id }).from(reports).where(eq(reports.orgId, f.orgA))).length);
  const events = (action: "report.filed" | "report.completed") =>
    system((tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.orgId, f.orgA), eq(auditEvents.action, action))));

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "rep");
    const input = (name: string) => contactInputSchema.parse({ name });
    await as(admin(), async (tx) => {
      ids.assigned = (await insertContacts(tx, f.orgA, [input("Sam Okafor")], { source: "manual", createdBy: f.admin, assignedTo: f.volunteer }))[0]!;
      ids.campaign = (await insertContacts(tx, f.orgA, [input("Maria Lopez")], { source: "manual", createdBy: f.admin }))[0]!;
      for (const [key, deleted, assign] of [
        ["liveAction", false, true],
        ["otherAction", false, false],
        ["deletedAction", true, true],
      ] as const) {
        const id = randomUUID();
        await tx.insert(actions).values({ id, orgId: f.orgA, kind: "call", title: key, deletedAt: deleted ? new Date() : null });
        if (assign) await tx.insert(actionAssignees).values({ actionId: id, userId: f.volunteer, orgId: f.orgA });
        ids[key] = id;
      }
    });
    const synced = await as(vol(), (tx) => syncContacts(tx, { orgId: f.orgA, userId: f.volunteer }, [{ row: 2, values: { name: "Aunt Jo" } }, { row: 3, values: { name: "Uncle Ben" } }], "csv"));
    if (!synced.ok) throw new Error("sync failed");
    [ids.synced, ids.synced2] = synced.ids as [string, string];
  }, 60_000);
  afterAll(async () => t?.drop());

  it("refuses unknown survey questions, answers off the list and unknown outcomes, writing nothing", async () => {
    const before = await reportCount();
    const base = { contactId: ids.assigned, outcome: "reached" as const, answers: {}, complete: true };
    await expect(as(vol(), (tx) => fileReport(tx, vol(), { ...base, answers: { favourite_colour: "blue" } as never }))).rejects.toThrow(/Unrecognized key/i);
    await expect(as(vol(), (tx) => fileReport(tx, vol(), { ...base, answers: { support: "maybe" } as never }))).rejects.toThrow(/Choose one of the answers/);
    await expect(as(vol(), (tx) => fileReport(tx, vol(), { ...base, outcome: "abducted" as never }))).rejects.toThrow(/Choose what happened/);
    expect(await reportCount()).toBe(before);
  });

  it("a volunteer cannot report on a contact not assigned to them: the lib says null and RLS refuses the row", async () => {
    expect(await as(vol(), (tx) => fileReport(tx, vol(), { contactId: ids.campaign, outcome: "reached", answers: {}, complete: true }))).toBeNull();
    expect(await as(v(f.volunteer2, "volunteer"), (tx) => fileReport(tx, v(f.volunteer2, "volunteer"), { contactId: ids.assigned, outcome: "reached", answers: {}, complete: true }))).toBeNull();
    await expect(
      as(vol(), (tx) => tx.insert(reports).values({ id: randomUUID(), orgId: f.orgA, contactId: ids.campaign, filedBy: f.volunteer, outcome: "reached", completedAt: new Date() })),
    ).rejects.toThrow();
    expect(await reportCount()).toBe(0);
  });

  it("a volunteer attaches only a live action given to them; a manager any live action", async () => {
    const file = (viewer: ReportViewer, contactId: string, actionId: string) => as(viewer, (tx) => fileReport(tx, viewer, { contactId, actionId, outcome: "no_answer", answers: {}, complete: true }));
    expect(await file(vol(), ids.assigned, ids.otherAction)).toBeNull();
    expect(await file(vol(), ids.assigned, ids.deletedAction)).toBeNull();
    expect(await file(admin(), ids.campaign, ids.deletedAction)).toBeNull();
    // RLS alone refuses a report under a deleted action.
    await expect(
      as(vol(), (tx) => tx.insert(reports).values({ id: randomUUID(), orgId: f.orgA, contactId: ids.assigned, actionId: ids.deletedAction, filedBy: f.volunteer, outcome: "reached" })),
    ).rejects.toThrow();
    expect(await reportCount()).toBe(0);
    expect(await file(vol(), ids.assigned, ids.liveAction)).toMatchObject({ completed: true });
    expect(await file(admin(), ids.campaign, ids.otherAction)).toMatchObject({ completed: true });
    expect(await reportCount()).toBe(2);
  });

  it("managers cannot read a volunteer's synced contact before a report: not by RLS, getContact, the report list, nor by filing", async () => {
    expect(await rlsSees(admin(), ids.synced)).toBe(false);
    expect(await as(admin(), (tx) => getContact(tx, admin(), ids.synced))).toBeNull();
    expect(await as(admin(), (tx) => listReportsForContact(tx, admin(), ids.synced))).toBeNull();
    expect(await as(admin(), (tx) => fileReport(tx, admin(), { contactId: ids.synced, outcome: "reached", answers: {}, complete: true }))).toBeNull();
    expect(await rlsSees(vol(), ids.synced)).toBe(true);
  });

  it("a draft reveals nothing to managers, and filing again edits the same draft", async () => {
    const first = await as(vol(), (tx) => fileReport(tx, vol(), { contactId: ids.synced, outcome: "no_answer", answers: { support: "undecided" }, complete: false }));
    expect(first).toMatchObject({ completed: false });
    draftId = first!.id;
    const again = await as(vol(), (tx) => fileReport(tx, vol(), { contactId: ids.synced, outcome: "reached", answers: { support: "lean_support", top_issue: "housing" }, complete: false }));
    expect(again!.id).toBe(draftId);

    expect(await rlsSees(admin(), ids.synced)).toBe(false);
    expect(await as(admin(), (tx) => getContact(tx, admin(), ids.synced))).toBeNull();
    // Drafts are their author's: not in a manager's lists, not even by id under RLS.
    expect(await as(admin(), async (tx) => (await tx.select().from(reports).where(eq(reports.id, draftId))).length)).toBe(0);
    expect((await as(admin(), (tx) => listCompletedReports(tx, admin()))).items.map((r) => r.id)).not.toContain(draftId);
    expect(await as(admin(), (tx) => reportsThisWeek(tx, f.orgA))).toBe(2);

    const mine = await as(vol(), (tx) => listReportsForContact(tx, vol(), ids.synced));
    expect(mine).toEqual([expect.objectContaining({ id: draftId, outcome: "reached", answers: { support: "lean_support", top_issue: "housing" }, completedAt: null, mine: true })]);
    const myList = await as(vol(), (tx) => listMyReports(tx, vol()));
    expect(myList.items[0]).toMatchObject({ id: draftId, contactName: "Aunt Jo", completedAt: null });
    expect(myList.items.map((r) => r.completedAt === null)).toEqual([true, false]);
    // Another volunteer sees none of it.
    expect((await as(v(f.volunteer2, "volunteer"), (tx) => listMyReports(tx, v(f.volunteer2, "volunteer")))).items).toEqual([]);
    expect(await as(v(f.volunteer2, "volunteer"), (tx) => updateDraft(tx, v(f.volunteer2, "volunteer"), draftId, { outcome: "refused", answers: {} }))).toBeNull();
  });

  it("completing reveals that contact to managers, and only that one", async () => {
    expect(await as(vol(), (tx) => completeReport(tx, vol(), draftId))).toEqual({ id: draftId });
    expect(await rlsSees(admin(), ids.synced)).toBe(true);
    expect(await as(admin(), (tx) => getContact(tx, admin(), ids.synced))).toMatchObject({ name: "Aunt Jo" });
    const seen = await as(admin(), (tx) => listReportsForContact(tx, admin(), ids.synced));
    expect(seen).toEqual([expect.objectContaining({ id: draftId, filerName: "volunteer", answers: { support: "lean_support", top_issue: "housing" }, mine: false })]);
    expect(await rlsSees(admin(), ids.synced2)).toBe(false);
    expect(await as(admin(), (tx) => getContact(tx, admin(), ids.synced2))).toBeNull();
    expect(await rlsSees(v(f.volunteer2, "volunteer"), ids.synced)).toBe(false);
    const page = await as(admin(), (tx) => listCompletedReports(tx, admin()));
    expect(page.items[0]).toMatchObject({ id: draftId, contactName: "Aunt Jo", filerName: "volunteer" });
    expect(page.items.length).toBe(3);
    expect(await as(admin(), (tx) => reportsThisWeek(tx, f.orgA))).toBe(3);
  });

  it("a completed report never changes, through the lib or straight SQL", async () => {
    expect(await as(vol(), (tx) => updateDraft(tx, vol(), draftId, { outcome: "refused", answers: {} }))).toBeNull();
    expect(await as(vol(), (tx) => completeReport(tx, vol(), draftId))).toBeNull();
    expect(await as(vol(), (tx) => tx.update(reports).set({ outcome: "refused" }).where(eq(reports.id, draftId)).returning())).toEqual([]);
    const [row] = await system((tx) => tx.select().from(reports).where(eq(reports.id, draftId)));
    expect(row!.outcome).toBe("reached");
    // Filing again on that contact starts a new report rather than reopening the completed one.
    const next = await as(vol(), (tx) => fileReport(tx, vol(), { contactId: ids.synced, outcome: "left_message", answers: {}, complete: false }));
    expect(next!.id).not.toBe(draftId);
  });

  it("volunteers read no one else's completed reports and get no campaign list", async () => {
    expect((await as(vol(), (tx) => listCompletedReports(tx, vol()))).items).toEqual([]);
    const onAssigned = await as(vol(), (tx) => listReportsForContact(tx, vol(), ids.assigned));
    expect(onAssigned!.every((r) => r.mine)).toBe(true);
    expect(await as(vol(), (tx) => listReportsForContact(tx, vol(), ids.campaign))).toBeNull();
  });

  it("records report.filed with the outcome and draft flag, and report.completed, without personal data", async () => {
    const filed = await events("report.filed");
    expect(filed.map((e) => e.metadata)).toEqual(
      expect.arrayContaining([
        { outcome: "no_answer", draft: false },
        { outcome: "no_answer", draft: true },
        { outcome: "reached", draft: true },
        { outcome: "left_message", draft: true },
      ]),
    );
    const completed = await events("report.completed");
    expect(completed.map((e) => [e.actorId, e.targetType, e.targetId])).toEqual([[f.volunteer, "report", draftId]]);
    const ids2 = filed.map((e) => e.targetId!);
    expect((await system((tx) => tx.select({ id: reports.id }).from(reports).where(inArray(reports.id, ids2)))).length).toBe(4);
  });
});
