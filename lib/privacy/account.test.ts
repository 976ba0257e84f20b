import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memberships, sessions } from "@/db/schema";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { deleteOwnAccount } from "./account";
import { asDatabaseOwner, rawContactTraces } from "./test-support";

describe.each(testBackends())("deleting one's own account (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let synced: string[] = [];
  const count = async (query: ReturnType<typeof sql>) => Number((await asDatabaseOwner(t.db, (q) => q<{ n: number | string }>(query)))[0]?.n ?? 0);
  const events = (action: string) =>
    asDatabaseOwner(t.db, (q) => q<{ org_id: string | null; actor_id: string; metadata: Record<string, unknown> }>(sql`select org_id::text, actor_id::text, metadata from audit_events where action = ${action} order by created_at, seq`));

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "ac");
    synced = await withTenant(t.db, { orgId: f.orgA, userId: f.volunteer }, (tx) =>
      insertContacts(tx, f.orgA, [contactInputSchema.parse({ name: "Gran Ottoline" }), contactInputSchema.parse({ name: "Uncle Bartholomew" })], { source: "sync", syncedBy: f.volunteer }),
    );
    await withSystem(t.db, (tx) => tx.insert(sessions).values({ userId: f.volunteer, expiresAt: new Date(Date.now() + 3_600_000), deviceSummary: "Firefox on Linux" }));
  }, 120_000);
  afterAll(async () => t?.drop());

  it("refuses the last owner of a campaign, naming it, and changes nothing", async () => {
    expect(await deleteOwnAccount(t.db, f.owner)).toEqual({ ok: false, reason: "last_owner", campaignSlug: "ac-a" });
    expect(await deleteOwnAccount(t.db, f.ownerB)).toEqual({ ok: false, reason: "last_owner", campaignSlug: "ac-b" });
    expect(await count(sql`select count(*) as n from users where id in (${f.owner}::uuid, ${f.ownerB}::uuid)`)).toBe(2);
    expect(await events("account.deleted")).toEqual([]);
  });

  it("an owner who is not the last one may go", async () => {
    await withSystem(t.db, (tx) => tx.update(memberships).set({ role: "owner" }).where(eq(memberships.userId, f.admin)));
    expect(await deleteOwnAccount(t.db, f.owner)).toEqual({ ok: true, syncedDeleted: [] });
    expect(await count(sql`select count(*) as n from memberships where org_id = ${f.orgA}::uuid and role = 'owner'`)).toBe(1);
  });

  it("removes the person with their sessions, memberships and synced contacts, and records it", async () => {
    const result = await deleteOwnAccount(t.db, f.volunteer, { requestId: "req-123" });
    expect(result).toEqual({ ok: true, syncedDeleted: [{ orgId: f.orgA, count: 2 }] });
    expect(await count(sql`select count(*) as n from users where id = ${f.volunteer}::uuid`)).toBe(0);
    expect(await count(sql`select count(*) as n from sessions where user_id = ${f.volunteer}::uuid`)).toBe(0);
    expect(await count(sql`select count(*) as n from memberships where user_id = ${f.volunteer}::uuid`)).toBe(0);
    expect(await rawContactTraces(t.db, synced)).toEqual({ contacts: 0, contact_list_members: 0, action_targets: 0, reports: 0 });
    expect(await events("account.deleted")).toEqual([
      expect.objectContaining({ org_id: null, actor_id: f.owner }),
      expect.objectContaining({ org_id: null, actor_id: f.volunteer }),
    ]);
    expect(await events("contacts.synced_deleted")).toEqual([{ org_id: f.orgA, actor_id: f.volunteer, metadata: { count: 2 } }]);
    // Other people are untouched.
    expect(await count(sql`select count(*) as n from users where id = ${f.volunteer2}::uuid`)).toBe(1);
  });
});
