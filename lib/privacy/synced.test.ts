import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actions, actionTargets, contactListMembers, contactLists, contacts, memberships, reports, totpFactors, users } from "@/db/schema";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { exportAccountData } from "./export";
import { describeReceipt, listReceipts } from "./receipts";
import { deleteSyncedContacts, listSyncedContactCounts } from "./synced";
import { asDatabaseOwner, rawContactTraces, rawDatabaseDump } from "./test-support";

describe.each(testBackends())("a person's synced contacts: export and real deletion (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let mineInA: string[] = [];
  let mineInB: string[] = [];
  let theirsInA: string[] = [];
  let auntIndexHex = "";
  const input = (name: string, email?: string) => contactInputSchema.parse({ name, email, notes: `notes about ${name}` });
  const sync = (userId: string, orgId: string, people: ReturnType<typeof input>[]) =>
    withTenant(t.db, { orgId, userId }, (tx) => insertContacts(tx, orgId, people, { source: "sync", syncedBy: userId, createdBy: userId }));
  const events = (orgId: string | null) =>
    asDatabaseOwner(t.db, (q) =>
      q<{ action: string; actor_id: string; metadata: Record<string, unknown> }>(
        orgId ? sql`select action, actor_id::text, metadata from audit_events where org_id = ${orgId}::uuid order by seq` : sql`select action, actor_id::text, metadata from audit_events where org_id is null order by created_at, seq`,
      ),
    );

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "sy");
    mineInA = await sync(f.volunteer, f.orgA, [input("Aunt Jo Marmalade", "aunt.jo@example.org"), input("Cousin Pim Quillfeather", "pim@example.org")]);
    theirsInA = await sync(f.volunteer2, f.orgA, [input("Neighbour Ravi Thistlewood", "ravi@example.org")]);
    // The volunteer reported on Aunt Jo, so the campaign could put her on a list and an action (rows that must go with her).
    await withTenant(t.db, { orgId: f.orgA, userId: f.volunteer }, (tx) =>
      tx.insert(reports).values({ id: randomUUID(), orgId: f.orgA, contactId: mineInA[0]!, filedBy: f.volunteer, outcome: "reached", completedAt: new Date() }),
    );
    await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, async (tx) => {
      const [list] = await tx.insert(contactLists).values({ orgId: f.orgA, name: "Friendly" }).returning();
      await tx.insert(contactListMembers).values({ listId: list!.id, contactId: mineInA[0]!, orgId: f.orgA });
      const actionId = randomUUID();
      await tx.insert(actions).values({ id: actionId, orgId: f.orgA, kind: "call", title: "Phone bank" });
      await tx.insert(actionTargets).values({ actionId, contactId: mineInA[0]!, orgId: f.orgA });
    });
    // Campaign B: the volunteer joined, synced one contact, then left.
    await withSystem(t.db, (tx) => tx.insert(memberships).values({ orgId: f.orgB, userId: f.volunteer, role: "volunteer" }));
    mineInB = await sync(f.volunteer, f.orgB, [input("Old Friend Zanzibar Okonkwo", "zanzibar@example.org")]);
    await withSystem(t.db, (tx) => tx.delete(memberships).where(and(eq(memberships.orgId, f.orgB), eq(memberships.userId, f.volunteer))));
    // Secrets the export must never carry.
    await withSystem(t.db, async (tx) => {
      await tx.update(users).set({ passwordHash: "$argon2id$v=19$SECRET-HASH-VALUE" }).where(eq(users.id, f.volunteer));
      await tx.insert(totpFactors).values({ userId: f.volunteer, secretSealed: "SEALED-TOTP-SECRET", confirmedAt: new Date() });
    });
    const [row] = await asDatabaseOwner(t.db, (q) => q<{ hex: string }>(sql`select encode(email_index, 'hex') as hex from contacts where id = ${mineInA[0]!}::uuid`));
    auntIndexHex = row!.hex;
  }, 120_000);
  afterAll(async () => t?.drop());

  it("counts the contacts a person synced per campaign, the campaign they left included", async () => {
    expect(await listSyncedContactCounts(t.db, f.volunteer)).toEqual([
      { orgId: f.orgA, orgName: "a", count: 2 },
      { orgId: f.orgB, orgName: "b", count: 1 },
    ]);
    expect(await listSyncedContactCounts(t.db, f.admin)).toEqual([]);
  });

  it("exports the person's data with their synced contacts decrypted, and nothing secret or of anyone else", async () => {
    const data = await exportAccountData(t.db, f.volunteer);
    const text = JSON.stringify(data);
    expect(data.account.email).toBe("volunteer@sy.test");
    expect(data.account.twoStepVerification.authenticatorApp).not.toBeNull();
    expect(data.memberships).toEqual([expect.objectContaining({ campaign: "a", role: "volunteer" })]);
    const byCampaign = Object.fromEntries(data.syncedContacts.map((c) => [c.campaign, c.contacts.map((x) => x.name).sort()]));
    expect(byCampaign).toEqual({ a: ["Aunt Jo Marmalade", "Cousin Pim Quillfeather"], b: ["Old Friend Zanzibar Okonkwo"] });
    expect(text).toContain("aunt.jo@example.org");
    for (const forbidden of ["SECRET-HASH-VALUE", "SEALED-TOTP-SECRET", "passwordHash", "secretSealed", "Ravi", "ravi@example.org", "admin@sy.test", "owner@sy.test", auntIndexHex, f.volunteer2])
      expect(text, forbidden).not.toContain(forbidden);
    const exported = (await events(null)).filter((e) => e.action === "data.exported");
    expect(exported).toEqual([expect.objectContaining({ actor_id: f.volunteer, metadata: { scope: "account", format: "json", rows: 3 } })]);
    expect((await listReceipts(t.db, f.volunteer)).map((r) => [r.kind, r.count])).toEqual([["data_exported", 3]]);
  });

  it("deletes one campaign's synced contacts for real: no row, token, list entry, target, report or index left", async () => {
    const [done] = await deleteSyncedContacts(t.db, f.volunteer, { orgId: f.orgA });
    expect(done).toMatchObject({ orgId: f.orgA, orgName: "a", count: 2 });
    expect(describeReceipt(done!.receipt)).toMatch(new RegExp(`^Receipt ${done!.receipt.id.slice(0, 8)}: 2 contacts deleted from a on \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`));

    expect(await rawContactTraces(t.db, mineInA)).toEqual({ contacts: 0, contact_list_members: 0, action_targets: 0, reports: 0 });
    const dump = (await rawDatabaseDump(t.db)).toLowerCase();
    expect(dump).toContain(mineInB[0]!); // the dump sees contact rows…
    for (const id of mineInA) expect(dump).not.toContain(id); // …but none of the deleted ones
    expect(dump).not.toContain(auntIndexHex);

    // The campaign they left and the other volunteer's contacts stay.
    expect(await rawContactTraces(t.db, mineInB)).toMatchObject({ contacts: 1 });
    expect(await rawContactTraces(t.db, theirsInA)).toMatchObject({ contacts: 1 });
    expect(await listSyncedContactCounts(t.db, f.volunteer2)).toEqual([{ orgId: f.orgA, orgName: "a", count: 1 }]);

    expect((await events(f.orgA)).filter((e) => e.action === "contacts.synced_deleted")).toEqual([
      expect.objectContaining({ actor_id: f.volunteer, metadata: { count: 2 } }),
    ]);
  });

  it("deletes everything else they synced, in a campaign they left too (recorded in that campaign's chain)", async () => {
    const done = await deleteSyncedContacts(t.db, f.volunteer);
    expect(done.map((d) => [d.orgName, d.count])).toEqual([["b", 1]]);
    expect(await rawContactTraces(t.db, mineInB)).toMatchObject({ contacts: 0 });
    expect((await events(f.orgB)).filter((e) => e.action === "contacts.synced_deleted")).toEqual([
      expect.objectContaining({ actor_id: f.volunteer, metadata: { count: 1 } }),
    ]);
    expect(await listSyncedContactCounts(t.db, f.volunteer)).toEqual([]);
    expect(await deleteSyncedContacts(t.db, f.volunteer)).toEqual([]);
    const receipts = await listReceipts(t.db, f.volunteer);
    expect(receipts.map((r) => [r.kind, r.orgName, r.count]).sort()).toEqual([
      ["data_exported", null, 3],
      ["synced_contacts_deleted", "a", 2],
      ["synced_contacts_deleted", "b", 1],
    ]);
    // Receipts are the person's own.
    expect(await listReceipts(t.db, f.volunteer2)).toEqual([]);
    expect(await rawContactTraces(t.db, theirsInA)).toMatchObject({ contacts: 1 });
  });

  it("a person cannot delete someone else's synced contacts, even naming their campaign", async () => {
    expect(await deleteSyncedContacts(t.db, f.admin, { orgId: f.orgA })).toEqual([]);
    const stillThere = await withTenant(t.db, { orgId: f.orgA, userId: f.volunteer2 }, (tx) => tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.syncedBy, f.volunteer2)));
    expect(stillThere.map((r) => r.id)).toEqual(theirsInA);
  });
});
