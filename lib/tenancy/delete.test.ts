import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { auditEvents, memberships, organizations, users } from "@/db/schema";
import { listActivity } from "@/lib/audit";
import { decryptField, encryptField } from "@/lib/crypto/fields";
import { putEncryptedFile } from "@/lib/crypto/files";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { createLocalBlobStore } from "@/lib/storage";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { deleteCampaign } from "./delete";
import { resolveOrgAccess } from "./guard";

describe.each(testBackends())("deleting a campaign (%s)", (backend) => {
  let t: TestDatabase;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-delete-"));
  const store = createLocalBlobStore(dir);
  let orgId = "";
  let ownerId = "";
  let sealed: Buffer;
  const place = (tx: Parameters<Parameters<typeof withTenant>[2]>[0]) => ({ tx, orgId, table: "contacts", column: "email", rowId: "row-1" });

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    await withSystem(t.db, async (tx) => {
      const [org] = await tx.insert(organizations).values({ slug: "doomed", name: "Doomed" }).returning();
      const [owner] = await tx.insert(users).values({ email: "owner@doomed.test", name: "Owner" }).returning();
      [orgId, ownerId] = [org!.id, owner!.id];
      await tx.insert(memberships).values({ orgId, userId: ownerId, role: "owner" });
    });
    sealed = await withTenant(t.db, { orgId, userId: ownerId }, (tx) => encryptField(place(tx), "alex@example.org"));
    await putEncryptedFile(t.db, store, { orgId, userId: ownerId }, new TextEncoder().encode("name,email\nAlex,alex@example.org\n"));
  });
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("shreds the keys, removes the files and closes the campaign to its members", async () => {
    expect(await withTenant(t.db, { orgId, userId: ownerId }, (tx) => decryptField(place(tx), sealed))).toBe("alex@example.org");
    expect((await store.list(`org/${orgId}/`)).length).toBeGreaterThan(0);

    const result = await deleteCampaign(t.db, store, orgId, ownerId);
    expect(result.destroyedKeys).toBeGreaterThan(0);

    // Even trusted system work cannot open the campaign's data any more.
    await expect(withTenant(t.db, { orgId }, (tx) => decryptField(place(tx), sealed))).rejects.toThrow();
    expect(await store.list(`org/${orgId}/`)).toEqual([]);
    const decision = await resolveOrgAccess(t.db, { id: ownerId, isStaff: false, hasSecondFactor: async () => true }, "doomed", "org:view");
    expect(decision).toEqual({ ok: false, reason: "not_found" });
    const [org] = await withSystem(t.db, (tx) => tx.select().from(organizations).where(eq(organizations.id, orgId)));
    expect(org?.name).toBe("Deleted campaign");
    expect(JSON.stringify(org)).not.toContain("Doomed");
  });

  it("keeps the deletion in the campaign's append-only log", async () => {
    // The former owner no longer has access, so RLS shows them nothing; system work still sees the event.
    expect((await listActivity(t.db, { orgId, userId: ownerId, role: "owner" }, {})).events).toEqual([]);
    const rows = await withTenant(t.db, { orgId }, (tx) => tx.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.orgId, orgId)));
    expect(rows.map((r) => r.action)).toContain("org.deleted");
  });
});
