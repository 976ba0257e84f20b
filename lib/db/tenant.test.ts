import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { memberships, organizations, users } from "@/db/schema";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { resultRows } from "./client";
import { withPerson, withTenant } from "./tenant";

describe.each(testBackends())("tenant isolation by row-level security (%s)", (backend) => {
  let t: TestDatabase;
  let orgA: string, orgB: string, alice: string, bob: string;

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    const [a] = await t.db.insert(organizations).values({ slug: "a-campaign", name: "A" }).returning();
    const [b] = await t.db.insert(organizations).values({ slug: "b-campaign", name: "B" }).returning();
    const [u1] = await t.db.insert(users).values({ email: "alice@a.test", name: "Alice" }).returning();
    const [u2] = await t.db.insert(users).values({ email: "bob@b.test", name: "Bob" }).returning();
    [orgA, orgB, alice, bob] = [a!.id, b!.id, u1!.id, u2!.id];
    await withTenant(t.db, { orgId: orgA }, (tx) => tx.insert(memberships).values({ orgId: orgA, userId: alice, role: "owner" }));
    await withTenant(t.db, { orgId: orgB }, (tx) => tx.insert(memberships).values({ orgId: orgB, userId: bob, role: "owner" }));
  });
  afterAll(async () => t?.drop());

  it("works as the non-owner app role, not the superuser", async () => {
    const res = await t.db.execute(sql`select current_user as role`);
    expect(resultRows<{ role: string }>(res)[0]?.role).toBe("rampart_app");
  });

  it("shows no tenant row to a query outside the helper", async () => {
    expect(await t.db.select().from(memberships)).toHaveLength(0);
  });

  it("shows an organisation only its own rows inside the helper", async () => {
    const rows = await withTenant(t.db, { orgId: orgA }, (tx) => tx.select().from(memberships));
    expect(rows.map((r) => r.orgId)).toEqual([orgA]);
  });

  it("refuses to write a row into another organisation", async () => {
    await expect(
      withTenant(t.db, { orgId: orgA }, (tx) => tx.insert(memberships).values({ orgId: orgB, userId: alice, role: "admin" })),
    ).rejects.toThrow();
    const rowsB = await withTenant(t.db, { orgId: orgB }, (tx) => tx.select().from(memberships));
    expect(rowsB.map((r) => r.userId)).toEqual([bob]);
  });

  it("cannot update or delete another organisation's rows", async () => {
    await withTenant(t.db, { orgId: orgA }, async (tx) => {
      await tx.update(memberships).set({ role: "volunteer" }).where(sql`true`);
      await tx.delete(memberships).where(sql`${memberships.orgId} = ${orgB}`);
    });
    const rowsB = await withTenant(t.db, { orgId: orgB }, (tx) => tx.select().from(memberships));
    expect(rowsB).toEqual([expect.objectContaining({ userId: bob, role: "owner" })]);
  });

  it("does not leak the organisation setting past the transaction", async () => {
    await withTenant(t.db, { orgId: orgA }, (tx) => tx.select().from(memberships));
    expect(await t.db.select().from(memberships)).toHaveLength(0);
  });

  it("lets a person list their own memberships across organisations and nobody else's", async () => {
    const mine = await withPerson(t.db, alice, (tx) => tx.select().from(memberships));
    expect(mine.map((r) => r.userId)).toEqual([alice]);
  });

  it("rejects a malformed organisation id before any query", async () => {
    await expect(withTenant(t.db, { orgId: "1 or 1=1" }, (tx) => tx.select().from(memberships))).rejects.toThrow();
  });
});
