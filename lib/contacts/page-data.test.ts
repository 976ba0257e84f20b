import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionAssignees, actions } from "@/db/schema";
import { withTenant } from "@/lib/db/tenant";
import { fileReport } from "@/lib/reports/reports";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import type { AccessRole } from "@/lib/tenancy/permissions";
import { assignContact, createContact } from "./commands";
import { loadContactPage, loadContactsPage } from "./page-data";
import type { ContactViewer } from "./visibility";

/** A contacts page reads everything it shows in the one transaction it is given, with each part's own rule. */
describe.each(testBackends())("contact pages' data (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let contact = "";
  let given = "";
  const viewer = (userId: string, role: AccessRole): ContactViewer => ({ orgId: f.orgA, userId, role });
  const as = <T>(v: ContactViewer, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(t.db, { orgId: v.orgId, userId: v.userId }, fn);
  const admin = () => viewer(f.admin, "admin");
  const volunteer = () => viewer(f.volunteer, "volunteer");

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "pages");
    contact = await as(admin(), (tx) => createContact(tx, admin(), { name: "Maria Lopez" }));
    await as(admin(), (tx) => assignContact(tx, admin(), contact, f.volunteer));
    given = randomUUID();
    await as(admin(), async (tx) => {
      await tx.insert(actions).values({ id: given, orgId: f.orgA, kind: "call", title: "Phone bank" });
      await tx.insert(actionAssignees).values({ actionId: given, userId: f.volunteer, orgId: f.orgA });
    });
    await as(volunteer(), (tx) => fileReport(tx, volunteer(), { contactId: contact, outcome: "reached", answers: {}, complete: true }));
  }, 60_000);
  afterAll(async () => t?.drop());

  it("gives a manager the contact, its history, the lists and members to choose from and the completed reports", async () => {
    const data = await as(admin(), (tx) => loadContactPage(tx, admin(), contact));
    expect(data?.contact.view).toBe("full");
    expect(data?.history.map((h) => h.action)).toEqual(expect.arrayContaining(["contact.created", "contact.assigned"]));
    expect(data?.members.map((m) => m.id)).toContain(f.volunteer);
    expect(data?.reports?.map((r) => r.outcome)).toEqual(["reached"]);
    expect(data?.reportAction).toBeNull();
  });

  it("gives a volunteer no history or choices, and the action to file under only when it was given to them", async () => {
    const data = await as(volunteer(), (tx) => loadContactPage(tx, volunteer(), contact, { actionId: given }));
    expect(data?.contact.view).toBe("reach_out");
    expect([data?.history, data?.lists, data?.members]).toEqual([[], [], []]);
    expect(data?.reportAction).toEqual({ id: given, title: "Phone bank" });
    const other = viewer(f.volunteer2, "volunteer");
    expect(await as(other, (tx) => loadContactPage(tx, other, contact, { actionId: given }))).toBeNull();
    expect((await as(volunteer(), (tx) => loadContactPage(tx, volunteer(), contact, { actionId: "not-a-uuid" })))?.reportAction).toBeNull();
  });

  it("gives the list page its filters' choices for managers only", async () => {
    const managers = await as(admin(), (tx) => loadContactsPage(tx, admin(), {}));
    expect(managers.page.rows.map((r) => r.id)).toEqual([contact]);
    expect(managers.members.length).toBeGreaterThan(0);
    const volunteers = await as(volunteer(), (tx) => loadContactsPage(tx, volunteer(), {}));
    expect(volunteers.page.rows.map((r) => r.id)).toEqual([contact]);
    expect([volunteers.lists, volunteers.members, volunteers.tags]).toEqual([[], [], []]);
  });
});
