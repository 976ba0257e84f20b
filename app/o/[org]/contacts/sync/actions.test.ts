import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { contacts, organizations } from "@/db/schema";
import { withTenant } from "@/lib/db/tenant";
import { actionForm, clearTestServices, signedInCookies, useTestServices } from "@/lib/testing/signed-in-actions";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { syncCsvAction, syncOneAction } from "./actions";

const request = vi.hoisted(() => ({ cookies: new Map<string, string>() }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (request.cookies.has(name) ? { name, value: request.cookies.get(name)! } : undefined) }),
  headers: async () => new Headers({ "x-request-id": crypto.randomUUID() }),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

/** The sync actions behind orgAction: the file arrives as FormData, is parsed in memory, and only members of the campaign get through. */
describe.each(testBackends())("sync actions (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let slug = "";

  async function signIn(userId: string) {
    request.cookies = await signedInCookies(t.db, userId);
  }
  const form = (values: Record<string, string | File>) => actionForm(values, slug);
  const csv = (text: string) => new File([text], "contacts.csv", { type: "text/csv" });
  const mine = (userId: string) =>
    withTenant(t.db, { orgId: f.orgA }, async (tx) => (await tx.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.orgId, f.orgA), eq(contacts.syncedBy, userId)))).length);

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "sa");
    useTestServices(t.db);
    const [org] = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, f.orgA)));
    slug = org!.slug;
  }, 60_000);
  afterAll(async () => {
    clearTestServices();
    await t?.drop();
  });

  it("a volunteer uploads a CSV file; a second upload of it adds nothing", async () => {
    await signIn(f.volunteer);
    const file = "name,email\nAunt Jo,jo@example.org\nUncle Sam,sam@example.org\n";
    expect(await syncCsvAction({}, form({ file: csv(file) }))).toMatchObject({ ok: true, message: "Added 2 contacts." });
    expect(await syncCsvAction({}, form({ file: csv(file) }))).toMatchObject({ ok: true, message: "Nothing new: all 2 contacts are already among your synced contacts (same email)." });
    expect(await mine(f.volunteer)).toBe(2);
  });

  it("a file with a bad row adds nothing and lists the row, without its value", async () => {
    await signIn(f.volunteer);
    const result = await syncCsvAction({}, form({ file: csv("name,email\nNew One,new@example.org\nBad,secret-not-an-email\n") }));
    expect(result.ok).toBeUndefined();
    expect(result.data?.errors).toEqual(["Row 3, email: Enter an email address like name@example.org"]);
    expect(JSON.stringify(result.data)).not.toContain("secret-not-an-email");
    expect(await mine(f.volunteer)).toBe(2);
  });

  it("asks for a file when none is chosen, and refuses one over 2 MB before reading it", async () => {
    await signIn(f.volunteer);
    expect((await syncCsvAction({}, form({}))).fieldErrors?.file).toBe("Choose a CSV file to upload");
    expect((await syncCsvAction({}, form({ file: csv("name\n" + "x".repeat(2 * 1024 * 1024)) }))).message).toMatch(/larger than 2 MB/);
  });

  it("the one-contact form adds one, and shows field errors", async () => {
    await signIn(f.volunteer2);
    expect(await syncOneAction({}, form({ name: "Neighbour", email: "", phone: "020 7946 0000", notes: "" }))).toMatchObject({ ok: true });
    expect((await syncOneAction({}, form({ name: " ", email: "nope" }))).fieldErrors).toEqual({ name: "Enter a name", email: "Enter an email address like name@example.org" });
    expect(await mine(f.volunteer2)).toBe(1);
  });

  it("someone outside the campaign is refused and nothing lands", async () => {
    for (const who of [f.outsider, f.ownerB]) {
      await signIn(who);
      expect(await syncCsvAction({}, form({ file: csv("name\nPlanted\n") }))).toMatchObject({ message: "This campaign is not available to you." });
      expect(await syncOneAction({}, form({ name: "Planted" }))).toMatchObject({ message: "This campaign is not available to you." });
      expect(await mine(who)).toBe(0);
    }
  });
});
