import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { organizations, reports } from "@/db/schema";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { withTenant } from "@/lib/db/tenant";
import { actionForm, clearTestServices, signedInCookies, useTestServices } from "@/lib/testing/signed-in-actions";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { fileReportAction } from "./report-actions";

const request = vi.hoisted(() => ({ cookies: new Map<string, string>() }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (request.cookies.has(name) ? { name, value: request.cookies.get(name)! } : undefined) }),
  headers: async () => new Headers({ "x-request-id": crypto.randomUUID() }),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

/** The report action behind orgAction("reports:file"): drafts, completion, field errors, and refusals that reveal nothing. */
describe.each(testBackends())("report action (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let slug = "";
  let assigned = "";
  let unassigned = "";

  async function signIn(userId: string) {
    request.cookies = await signedInCookies(t.db, userId);
  }
  const submit = (values: Record<string, string>) => fileReportAction({}, actionForm(values, slug));
  const reportsOn = (contactId: string) =>
    withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select().from(reports).where(and(eq(reports.orgId, f.orgA), eq(reports.contactId, contactId))));

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "ra");
    useTestServices(t.db);
    const [org] = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, f.orgA)));
    slug = org!.slug;
    await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, async (tx) => {
      assigned = (await insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Sam Okafor" })], { source: "manual", assignedTo: f.volunteer }))[0]!;
      unassigned = (await insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Maria Lopez" })], { source: "manual" }))[0]!;
    });
  }, 60_000);
  afterAll(async () => {
    clearTestServices();
    await t?.drop();
  });

  it("saves a draft (keeping the answers on the form), then completes that same report", async () => {
    await signIn(f.volunteer);
    const draft = await submit({ contactId: assigned, intent: "draft", outcome: "reached", support: "lean_support", top_issue: "", follow_up: "yes" });
    expect(draft).toMatchObject({ ok: true, values: { outcome: "reached", support: "lean_support", follow_up: "yes" } });
    expect((await reportsOn(assigned)).map((r) => r.completedAt)).toEqual([null]);
    expect(await submit({ contactId: assigned, intent: "complete", outcome: "reached", support: "strong_support" })).toMatchObject({ ok: true, message: "Report completed. Thank you!" });
    const rows = await reportsOn(assigned);
    expect(rows.length).toBe(1);
    expect(rows[0]!.completedAt).not.toBeNull();
  });

  it("names the field for a missing outcome or an answer off the list", async () => {
    await signIn(f.volunteer);
    expect((await submit({ contactId: assigned, intent: "complete" })).fieldErrors).toEqual({ outcome: "Choose what happened" });
    expect((await submit({ contactId: assigned, intent: "complete", outcome: "reached", support: "maybe" })).fieldErrors?.support).toMatch(/Choose one of the answers/);
  });

  it("refuses a contact that is not the volunteer's, a bad id, and people outside the campaign, with the same answer", async () => {
    await signIn(f.volunteer);
    expect(await submit({ contactId: unassigned, intent: "complete", outcome: "reached" })).toMatchObject({ message: "That contact or action is not available to you." });
    expect(await submit({ contactId: "not-a-uuid", intent: "complete", outcome: "reached" })).toMatchObject({ message: "That contact is not available to you." });
    for (const who of [f.outsider, f.ownerB]) {
      await signIn(who);
      expect(await submit({ contactId: assigned, intent: "complete", outcome: "refused" })).toMatchObject({ message: "This campaign is not available to you." });
    }
    expect((await reportsOn(unassigned)).length).toBe(0);
    expect((await reportsOn(assigned)).length).toBe(1);
  });
});
