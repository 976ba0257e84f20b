import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { actions, actionTargets, auditEvents, contactListMembers, contacts, contactLists, deletionRequests, memberships, organizations, reports, users } from "@/db/schema";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { listActivity } from "@/lib/audit";
import { decryptField, encryptField } from "@/lib/crypto/fields";
import { putEncryptedFile } from "@/lib/crypto/files";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { createLocalBlobStore } from "@/lib/storage";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { deleteCampaign } from "./delete";
import { asDatabaseOwner } from "@/lib/privacy/test-support";
import { resolveOrgAccess } from "./access";

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
    // A workspace: a contact on a list and an action with a report, and a pending deletion request matching the contact.
    await withTenant(t.db, { orgId, userId: ownerId }, async (tx) => {
      const [contactId] = await insertContacts(tx, orgId, [contactInputSchema.parse({ name: "Alex Doomed", email: "alex@example.org" })], { source: "manual" });
      const [list] = await tx.insert(contactLists).values({ orgId, name: "Everyone" }).returning();
      await tx.insert(contactListMembers).values({ listId: list!.id, contactId: contactId!, orgId });
      const actionId = randomUUID();
      await tx.insert(actions).values({ id: actionId, orgId, kind: "canvass", title: "Doors" });
      await tx.insert(actionTargets).values({ actionId, contactId: contactId!, orgId });
      await tx.insert(reports).values({ id: randomUUID(), orgId, contactId: contactId!, actionId, filedBy: ownerId, outcome: "reached", completedAt: new Date() });
    });
    await withTenant(t.db, { orgId }, async (tx) => {
      const [contact] = await tx.select({ emailIndex: contacts.emailIndex }).from(contacts).where(eq(contacts.orgId, orgId));
      await tx.insert(deletionRequests).values({ orgId, emailIndex: contact!.emailIndex!, dueAt: new Date(Date.now() + 86_400_000) });
    });
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

  it("deletes the workspace rows and closes pending deletion requests as completed", async () => {
    const counts = await asDatabaseOwner(t.db, (q) =>
      q<{ name: string; n: number | string }>(sql`
        select 'contacts' as name, count(*) as n from contacts where org_id = ${orgId}::uuid
        union all select 'contact_lists', count(*) from contact_lists where org_id = ${orgId}::uuid
        union all select 'contact_list_members', count(*) from contact_list_members where org_id = ${orgId}::uuid
        union all select 'actions', count(*) from actions where org_id = ${orgId}::uuid
        union all select 'action_targets', count(*) from action_targets where org_id = ${orgId}::uuid
        union all select 'reports', count(*) from reports where org_id = ${orgId}::uuid`),
    );
    expect(Object.fromEntries(counts.map((c) => [c.name, Number(c.n)]))).toEqual({
      contacts: 0,
      contact_lists: 0,
      contact_list_members: 0,
      actions: 0,
      action_targets: 0,
      reports: 0,
    });
    const requests = await withTenant(t.db, { orgId }, (tx) => tx.select().from(deletionRequests).where(eq(deletionRequests.orgId, orgId)));
    expect(requests).toEqual([expect.objectContaining({ status: "completed", contactsDeleted: 1, decidedBy: ownerId })]);
  });

  it("keeps the deletion in the campaign's append-only log", async () => {
    // The former owner no longer has access, so RLS shows them nothing; system work still sees the event.
    expect((await listActivity(t.db, { orgId, userId: ownerId, role: "owner" }, {})).events).toEqual([]);
    const rows = await withTenant(t.db, { orgId }, (tx) => tx.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.orgId, orgId)));
    expect(rows.map((r) => r.action)).toContain("org.deleted");
  });
});
