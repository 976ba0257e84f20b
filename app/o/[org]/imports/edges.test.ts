import fs from "node:fs";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { auditEvents, contacts, imports, organizations } from "@/db/schema";
import { importJobHandlers } from "@/lib/imports/jobs";
import { runJobsUntilIdle } from "@/lib/jobs/runner";
import { createBlobStore } from "@/lib/storage";
import { getConfig } from "@/lib/config";
import { withTenant } from "@/lib/db/tenant";
import { actionForm, clearTestServices, signedInCookies, useTestServices } from "@/lib/testing/signed-in-actions";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { setWallForTest } from "@/lib/tenancy/walls";
import { GET as progressRoute } from "@/app/api/o/[org]/imports/[id]/progress/route";
import { GET as resultRoute } from "@/app/api/o/[org]/imports/[id]/result/route";
import { POST as uploadRoute } from "@/app/api/o/[org]/imports/route";
import { cancelImportAction, rollbackImportAction, startImportAction } from "./actions";
import ImportPage from "./[id]/page";
import NewImportPage from "./new/page";
import ImportsPage from "./page";

const request = vi.hoisted(() => ({ cookies: new Map<string, string>() }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (request.cookies.has(name) ? { name, value: request.cookies.get(name)! } : undefined) }),
  headers: async () => new Headers({ "x-request-id": crypto.randomUUID(), origin: new URL(getConfig().appUrl).origin, host: new URL(getConfig().appUrl).host }),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));

/** The imports edges (pages, actions, routes) admit owners and admins of the campaign and refuse everyone else the same way. */
describe("imports pages, actions and routes", () => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let slug = "";
  let importId = "";
  async function signIn(userId: string) {
    request.cookies = await signedInCookies(t.db, userId);
  }
  const form = (values: Record<string, string>) => actionForm(values, slug);
  const upload = (body: string, name = "people.csv") =>
    uploadRoute(
      new Request(`${getConfig().appUrl}/api/o/${slug}/imports`, { method: "POST", headers: { origin: new URL(getConfig().appUrl).origin, "x-file-name": name }, body, duplex: "half" } as RequestInit),
      { params: Promise.resolve({ org: slug }) },
    );
  const params = (id: string) => ({ params: Promise.resolve({ org: slug, id }) });
  const blobDir = () => (getConfig().blob.kind === "local" ? (getConfig().blob as { dir: string }).dir : "");

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    f = await seedWorkspaceFixture(t.db, "impedge");
    useTestServices(t.db);
    const [org] = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, f.orgA)));
    slug = org!.slug;
  }, 60_000);
  afterAll(async () => {
    clearTestServices();
    request.cookies = new Map();
    await t?.drop();
  });

  it("an admin uploads through the route and reaches the pages and actions", async () => {
    await signIn(f.admin);
    const res = await upload("Name,Email\nEdge Person,edge@example.org\n");
    expect(res.status).toBe(201);
    importId = ((await res.json()) as { id: string }).id;
    expect(blobDir() && fs.existsSync(blobDir())).toBeTruthy();
    await expect(ImportsPage({ params: Promise.resolve({ org: slug }), searchParams: Promise.resolve({}) })).resolves.toBeTruthy();
    // A malformed or forged cursor is the newest page, never an error.
    for (const after of ["%%%", "bm90LWEtY3Vyc29y", ["a", "b"]]) await expect(ImportsPage({ params: Promise.resolve({ org: slug }), searchParams: Promise.resolve({ after }) })).resolves.toBeTruthy();
    await expect(NewImportPage({ params: Promise.resolve({ org: slug }) })).resolves.toBeTruthy();
    await expect(ImportPage(params(importId))).resolves.toBeTruthy();
    expect((await progressRoute(new Request("http://localhost/x"), params(importId))).status).toBe(200);
    const refused = await upload("Name,Email\n", "empty.csv");
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { title: string }).title).toMatch(/header row but no contacts/);
  });

  for (const who of ["volunteer", "ownerB", "outsider"] as const) {
    it(`refuses the ${who} at page, action and route, and changes nothing`, async () => {
      await signIn(f[who]);
      await expect(ImportsPage({ params: Promise.resolve({ org: slug }), searchParams: Promise.resolve({}) })).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
      await expect(NewImportPage({ params: Promise.resolve({ org: slug }) })).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
      await expect(ImportPage(params(importId))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
      expect((await upload("Name\nSneaky\n")).status).toBe(404);
      expect((await progressRoute(new Request("http://localhost/x"), params(importId))).status).toBe(404);
      expect((await resultRoute(new Request("http://localhost/x"), params(importId))).status).toBe(404);
      const refusal = { message: "This campaign is not available to you." };
      expect(await startImportAction({}, form({ id: importId, duplicates: "skip", col_0: "name" }))).toMatchObject(refusal);
      expect(await cancelImportAction({}, form({ id: importId }))).toMatchObject(refusal);
      expect(await rollbackImportAction({}, form({ id: importId }))).toMatchObject(refusal);
      const [row] = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select().from(imports).where(eq(imports.id, importId)));
      expect(row).toMatchObject({ status: "uploaded", cancelRequestedAt: null });
      expect(await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select().from(contacts))).toHaveLength(0);
    });
  }

  it("with middleware and RLS switched off, the guard alone still refuses another campaign's owner", async () => {
    await signIn(f.ownerB);
    for (const wall of ["middleware", "rls"] as const) setWallForTest(wall, false);
    try {
      expect((await progressRoute(new Request("http://localhost/x"), params(importId))).status).toBe(404);
      expect(await cancelImportAction({}, form({ id: importId }))).toMatchObject({ message: "This campaign is not available to you." });
      expect(await rollbackImportAction({}, form({ id: importId }))).toMatchObject({ message: "This campaign is not available to you." });
      await expect(ImportPage(params(importId))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
    } finally {
      for (const wall of ["middleware", "rls"] as const) setWallForTest(wall, true);
    }
  });

  it("the admin starts the import through the action", async () => {
    await signIn(f.admin);
    await expect(startImportAction({}, form({ id: importId, duplicates: "skip", col_0: "name", col_1: "email" }))).rejects.toThrow(/NEXT_REDIRECT/);
    const [row] = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select().from(imports).where(eq(imports.id, importId)));
    expect(row).toMatchObject({ status: "queued", mapping: { "0": "name", "1": "email" } });
    await runJobsUntilIdle(t.db, { handlers: importJobHandlers(createBlobStore(getConfig().blob)) });
    const res = await resultRoute(new Request("http://localhost/x"), params(importId));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="import-[0-9a-f]{8}-result\.csv"$/);
    expect(await res.text()).toMatch(/^row,outcome,contact_id,column,reason\n2,created,[0-9a-f-]{36},,\n$/);
    const events = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select().from(auditEvents).where(eq(auditEvents.action, "import.result_downloaded")));
    expect(events).toHaveLength(1);
  });
});
