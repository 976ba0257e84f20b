import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletionRequests, organizations, users } from "@/db/schema";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { listOrganizationKeys } from "@/lib/crypto";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import {
  daysOverdue,
  declineDeletionRequest,
  describeOwnRequestStatus,
  fulfilDeletionRequest,
  listCampaignDeletionRequests,
  listOwnDeletionRequests,
  requestDeletionEverywhere,
} from "./deletion-requests";
import { databaseErrorOf } from "./db-errors";
import { listReceipts } from "./receipts";
import { asDatabaseOwner } from "./test-support";

describe.each(testBackends())("deletion requests (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let orgC = "";
  let firstRequest = "";
  const requester = () => f.outsider;
  const requesterEmail = "outsider@dr.test";
  const input = (name: string, email: string) => contactInputSchema.parse({ name, email });
  const as = (orgId: string, userId: string) => ({ orgId, userId });
  const queue = (orgId: string, userId: string) =>
    withTenant(t.db, as(orgId, userId), (tx) => listCampaignDeletionRequests(tx, orgId)).then((q) => [...q.pending.rows, ...q.decided.rows]);
  const events = (orgId: string) =>
    asDatabaseOwner(t.db, (q) => q<{ action: string; metadata: Record<string, unknown> }>(sql`select action, metadata from audit_events where org_id = ${orgId}::uuid order by seq`));
  const matching = (orgId: string) =>
    asDatabaseOwner(t.db, async (q) => {
      const rows = await q<{ n: number | string }>(
        sql`select count(*) as n from contacts c join deletion_requests d on d.org_id = c.org_id and d.email_index = c.email_index where c.org_id = ${orgId}::uuid`,
      );
      return Number(rows[0]?.n ?? 0);
    });

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "dr");
    // A: the campaign holds the requester (a campaign contact) and a volunteer synced them too (hidden from managers).
    await withTenant(t.db, as(f.orgA, f.admin), (tx) => insertContacts(tx, f.orgA, [input("Out Sider", requesterEmail), input("Someone Else", "else@example.org")], { source: "manual" }));
    await withTenant(t.db, as(f.orgA, f.volunteer), (tx) =>
      insertContacts(tx, f.orgA, [input("Out Sider (phone book)", " OUTSIDER@dr.test ")], { source: "sync", syncedBy: f.volunteer }),
    );
    // B: has keys and contacts, but not the requester. C: never encrypted anything, so it has no keys.
    await withTenant(t.db, as(f.orgB, f.ownerB), (tx) => insertContacts(tx, f.orgB, [input("Bee Person", "bee@example.org")], { source: "manual" }));
    orgC = await withSystem(t.db, async (tx) => (await tx.insert(organizations).values({ slug: "dr-c", name: "c" }).returning({ id: organizations.id }))[0]!.id);
  }, 120_000);
  afterAll(async () => t?.drop());

  it("goes only to the campaigns holding the verified account email, without making keys for a campaign that has none", async () => {
    const result = await requestDeletionEverywhere(t.db, requester());
    expect(result).toMatchObject({ ok: true, sent: ["a"], alreadyRequested: [] });
    const rows = await asDatabaseOwner(t.db, (q) => q<{ org_id: string; status: string }>(sql`select org_id::text, status from deletion_requests`));
    expect(rows).toEqual([{ org_id: f.orgA, status: "pending" }]);
    expect(await withTenant(t.db, { orgId: orgC }, (tx) => listOrganizationKeys(tx, orgC))).toEqual([]);
    expect((await events(f.orgA)).map((e) => e.action)).toContain("deletion_request.created");
    expect((await events(f.orgB)).map((e) => e.action)).not.toContain("deletion_request.created");
    expect((await listReceipts(t.db, requester())).map((r) => [r.kind, r.count])).toEqual([["deletion_requested", 1]]);
    const [own] = await listOwnDeletionRequests(t.db, requester());
    firstRequest = own!.id;
    expect(own).toMatchObject({ orgName: "a", status: "pending" });
    expect(Math.round((own!.dueAt.getTime() - own!.createdAt.getTime()) / 86_400_000)).toBe(30);
  });

  it("a second request while one is pending is 'already requested', not a duplicate", async () => {
    expect(await requestDeletionEverywhere(t.db, requester())).toMatchObject({ ok: true, sent: [], alreadyRequested: ["a"] });
    expect(await asDatabaseOwner(t.db, (q) => q(sql`select id from deletion_requests`))).toHaveLength(1);
  });

  it("an unverified account email sends nothing", async () => {
    const [u] = await withSystem(t.db, (tx) => tx.insert(users).values({ email: "else@example.org", name: "Unverified" }).returning({ id: users.id }));
    expect(await requestDeletionEverywhere(t.db, u!.id)).toEqual({ ok: false, reason: "email_unverified" });
    expect(await asDatabaseOwner(t.db, (q) => q(sql`select id from deletion_requests`))).toHaveLength(1);
  });

  it("managers see the queue without the requester's identity and only the matches they can see; others see nothing", async () => {
    const [row] = await queue(f.orgA, f.admin);
    expect(row).toMatchObject({ id: firstRequest, status: "pending", matchingVisible: 1 });
    expect(Object.keys(row!)).not.toContain("requesterId");
    expect(Object.keys(row!)).not.toContain("emailIndex");
    expect(await queue(f.orgA, f.volunteer)).toEqual([]);
    expect(await queue(f.orgA, f.ownerB)).toEqual([]);
    expect(await queue(f.orgB, f.ownerB)).toEqual([]);
    // Another person reads none of the requester's requests.
    expect(await listOwnDeletionRequests(t.db, f.volunteer)).toEqual([]);
  });

  it("a volunteer or another campaign's owner cannot fulfil or decline (the database function refuses with P0002)", async () => {
    const ctx = (orgId: string, userId: string) => ({ orgId, userId });
    expect(await withTenant(t.db, as(f.orgA, f.volunteer), (tx) => fulfilDeletionRequest(tx, ctx(f.orgA, f.volunteer), firstRequest))).toEqual({ ok: false, reason: "not_found" });
    expect(await withTenant(t.db, as(f.orgA, f.volunteer), (tx) => declineDeletionRequest(tx, ctx(f.orgA, f.volunteer), firstRequest, "other"))).toEqual({ ok: false, reason: "not_found" });
    expect(await withTenant(t.db, as(f.orgB, f.ownerB), (tx) => fulfilDeletionRequest(tx, ctx(f.orgB, f.ownerB), firstRequest))).toEqual({ ok: false, reason: "not_found" });
    // The raw function call as a volunteer: SQLSTATE P0002.
    await expect(withTenant(t.db, as(f.orgA, f.volunteer), (tx) => tx.execute(sql`select fulfil_deletion_request(${firstRequest}::uuid)`))).rejects.toSatisfy(
      (err: unknown) => databaseErrorOf(err)?.code === "P0002",
    );
    expect(await matching(f.orgA)).toBe(2);
  });

  it("an admin's fulfilment deletes every matching contact, the volunteer's synced one included, and records the count", async () => {
    const result = await withTenant(t.db, as(f.orgA, f.admin), (tx) => fulfilDeletionRequest(tx, { orgId: f.orgA, userId: f.admin }, firstRequest));
    expect(result).toEqual({ ok: true, contactsDeleted: 2 });
    expect(await matching(f.orgA)).toBe(0);
    const left = await asDatabaseOwner(t.db, (q) => q<{ n: number | string }>(sql`select count(*) as n from contacts where org_id = ${f.orgA}::uuid`));
    expect(Number(left[0]!.n)).toBe(1); // "Someone Else" stays
    expect((await events(f.orgA)).find((e) => e.action === "deletion_request.completed")?.metadata).toEqual({ contactsDeleted: 2 });
    expect(await withTenant(t.db, as(f.orgA, f.admin), (tx) => fulfilDeletionRequest(tx, { orgId: f.orgA, userId: f.admin }, firstRequest))).toEqual({
      ok: false,
      reason: "already_decided",
    });
    const [own] = await listOwnDeletionRequests(t.db, requester());
    expect(describeOwnRequestStatus(own!)).toBe("Completed: 2 contacts deleted");
  });

  it("a new request after the first was decided can be declined; the reason reaches the requester in words", async () => {
    await withTenant(t.db, as(f.orgA, f.admin), (tx) => insertContacts(tx, f.orgA, [input("Out Sider again", requesterEmail)], { source: "import" }));
    expect(await requestDeletionEverywhere(t.db, requester())).toMatchObject({ ok: true, sent: ["a"] });
    const pending = (await queue(f.orgA, f.owner)).find((r) => r.status === "pending")!;
    expect(await withTenant(t.db, as(f.orgA, f.owner), (tx) => declineDeletionRequest(tx, { orgId: f.orgA, userId: f.owner }, pending.id, "legal_obligation"))).toEqual({ ok: true });
    const [stored] = await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select().from(deletionRequests).where(eq(deletionRequests.id, pending.id)));
    expect(stored).toMatchObject({ status: "declined", declineReason: "legal_obligation", decidedBy: f.owner });
    expect((await events(f.orgA)).find((e) => e.action === "deletion_request.declined")?.metadata).toEqual({ reason: "legal_obligation" });
    const own = await listOwnDeletionRequests(t.db, requester());
    expect(own.map(describeOwnRequestStatus)).toEqual(["Declined: The campaign must keep this data to meet a legal obligation.", "Completed: 2 contacts deleted"]);
    // The queue: decided requests after pending ones; nothing pending now.
    expect((await queue(f.orgA, f.admin)).map((r) => r.status)).toEqual(["declined", "completed"]);
  });

  it("counts whole days overdue", () => {
    const due = new Date("2026-01-01T00:00:00Z");
    expect(daysOverdue(due, new Date("2025-12-31T00:00:00Z"))).toBe(0);
    expect(daysOverdue(due, new Date("2026-01-03T12:00:00Z"))).toBe(2);
  });
});
