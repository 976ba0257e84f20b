import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { memberships, organizations, users } from "@/db/schema";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { resultRows } from "./client";
import { enterPerson, enterSystem, enterTenant, withPerson, withSystem, withTenant } from "./tenant";

describe.each(testBackends())("tenant isolation by row-level security (%s)", (backend) => {
  let t: TestDatabase;
  let orgA: string, orgB: string, alice: string, bob: string, carol: string;

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    await withSystem(t.db, async (tx) => {
      const [a] = await tx.insert(organizations).values({ slug: "a-campaign", name: "A" }).returning();
      const [b] = await tx.insert(organizations).values({ slug: "b-campaign", name: "B" }).returning();
      const [u1] = await tx.insert(users).values({ email: "alice@a.test", name: "Alice" }).returning();
      const [u2] = await tx.insert(users).values({ email: "bob@b.test", name: "Bob" }).returning();
      const [u3] = await tx.insert(users).values({ email: "carol@a.test", name: "Carol" }).returning();
      [orgA, orgB, alice, bob, carol] = [a!.id, b!.id, u1!.id, u2!.id, u3!.id];
      await tx.insert(memberships).values([
        { orgId: orgA, userId: alice, role: "owner" },
        { orgId: orgA, userId: carol, role: "volunteer" },
        { orgId: orgB, userId: bob, role: "owner" },
      ]);
    });
  });
  afterAll(async () => t?.drop());

  const asAlice = <T>(orgId: string, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(t.db, { orgId, userId: alice }, fn);

  it("works as the non-owner app role, not the superuser", async () => {
    const res = await t.db.execute(sql`select current_user as role`);
    expect(resultRows<{ role: string }>(res)[0]?.role).toBe("rampart_app");
  });

  it("sets the app role and the settings in one statement, even in a transaction that had left the app role", async () => {
    const who = async (enter: (tx: Parameters<Parameters<typeof t.db.transaction>[0]>[0]) => Promise<void>) =>
      t.db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL ROLE NONE`);
        await enter(tx);
        const [row] = resultRows<{ role: string; org: string; person: string; system: string }>(
          await tx.execute(
            sql`select current_user as role, coalesce(current_setting('app.org_id', true), '') as org, coalesce(current_setting('app.user_id', true), '') as person, coalesce(current_setting('app.system_scope', true), '') as system`,
          ),
        );
        return row;
      });
    expect(await who((tx) => enterTenant(tx, { orgId: orgA, userId: alice }))).toEqual({ role: "rampart_app", org: orgA, person: alice, system: "" });
    expect(await who((tx) => enterTenant(tx, { orgId: orgA }))).toEqual({ role: "rampart_app", org: orgA, person: "", system: "on" });
    expect(await who((tx) => enterPerson(tx, carol))).toEqual({ role: "rampart_app", org: "", person: carol, system: "" });
    expect(await who((tx) => enterSystem(tx))).toEqual({ role: "rampart_app", org: "", person: "", system: "on" });
    // Outside the transaction the settings are gone again.
    const [after] = resultRows<{ org: string | null }>(await t.db.execute(sql`select current_setting('app.org_id', true) as org`));
    expect(after?.org ?? "").toBe("");
  });

  it("shows no tenant row to a query outside the helper", async () => {
    expect(await t.db.select().from(memberships)).toHaveLength(0);
    expect(await t.db.select().from(organizations)).toHaveLength(0);
  });

  it("shows a member only their organisation's rows", async () => {
    const rows = await asAlice(orgA, (tx) => tx.select().from(memberships));
    expect(new Set(rows.map((r) => r.orgId))).toEqual(new Set([orgA]));
    expect(rows).toHaveLength(2);
  });

  it("stops a person who is not a member even when the context names the other organisation", async () => {
    const rows = await asAlice(orgB, (tx) => tx.select().from(memberships).where(eq(memberships.orgId, orgB)));
    expect(rows).toEqual([]);
    const orgRows = await asAlice(orgB, (tx) => tx.select().from(organizations).where(eq(organizations.id, orgB)));
    expect(orgRows).toEqual([]);
  });

  it("refuses to write a row into another organisation", async () => {
    await expect(asAlice(orgA, (tx) => tx.insert(memberships).values({ orgId: orgB, userId: alice, role: "admin" }))).rejects.toThrow();
    await expect(asAlice(orgB, (tx) => tx.insert(memberships).values({ orgId: orgB, userId: alice, role: "admin" }))).rejects.toThrow();
    const rowsB = await withTenant(t.db, { orgId: orgB, userId: bob }, (tx) => tx.select().from(memberships));
    expect(rowsB.map((r) => r.userId)).toEqual([bob]);
  });

  it("cannot update or delete another organisation's rows", async () => {
    await asAlice(orgA, async (tx) => {
      await tx.update(memberships).set({ role: "volunteer" }).where(eq(memberships.orgId, orgB));
      await tx.delete(memberships).where(eq(memberships.orgId, orgB));
      await tx.update(organizations).set({ name: "pwned" }).where(eq(organizations.id, orgB));
    });
    const rowsB = await withTenant(t.db, { orgId: orgB, userId: bob }, (tx) => tx.select().from(memberships));
    expect(rowsB).toEqual([expect.objectContaining({ userId: bob, role: "owner" })]);
    const [b] = await withSystem(t.db, (tx) => tx.select().from(organizations).where(eq(organizations.id, orgB)));
    expect(b?.name).toBe("B");
  });

  it("closes the organisation to a member the owner disabled, and to everyone while it is suspended", async () => {
    await withSystem(t.db, (tx) => tx.update(memberships).set({ disabledAt: new Date() }).where(eq(memberships.userId, carol)));
    const othersSeenByCarol = await withTenant(t.db, { orgId: orgA, userId: carol }, (tx) => tx.select().from(memberships).where(eq(memberships.userId, alice)));
    expect(othersSeenByCarol).toEqual([]);
    await withSystem(t.db, (tx) => tx.update(memberships).set({ disabledAt: null }).where(eq(memberships.userId, carol)));

    await withSystem(t.db, (tx) => tx.update(organizations).set({ suspendedAt: new Date() }).where(eq(organizations.id, orgA)));
    expect(await asAlice(orgA, (tx) => tx.select().from(memberships).where(eq(memberships.userId, carol)))).toEqual([]);
    expect(await asAlice(orgA, (tx) => tx.select().from(organizations).where(eq(organizations.id, orgA)))).toEqual([]);
    await withSystem(t.db, (tx) => tx.update(organizations).set({ suspendedAt: null }).where(eq(organizations.id, orgA)));
    expect(await asAlice(orgA, (tx) => tx.select().from(memberships).where(eq(memberships.orgId, orgA)))).toHaveLength(2);
  });

  it("closes every organisation to a disabled person", async () => {
    await withSystem(t.db, (tx) => tx.update(users).set({ disabledAt: new Date() }).where(eq(users.id, alice)));
    expect(await asAlice(orgA, (tx) => tx.select().from(memberships).where(eq(memberships.userId, carol)))).toEqual([]);
    await withSystem(t.db, (tx) => tx.update(users).set({ disabledAt: null }).where(eq(users.id, alice)));
  });

  it("does not leak the organisation setting past the transaction", async () => {
    await asAlice(orgA, (tx) => tx.select().from(memberships));
    expect(await t.db.select().from(memberships)).toHaveLength(0);
  });

  it("does not grant the system scope when re-entering a tenant inside a person's transaction", async () => {
    const rows = await asAlice(orgA, async (tx) => {
      await enterTenant(tx, { orgId: orgB });
      return tx.select().from(memberships).where(eq(memberships.orgId, orgB));
    });
    expect(rows).toEqual([]);
  });

  it("lets a person list their own memberships across organisations and nobody else's", async () => {
    const mine = await withPerson(t.db, alice, (tx) => tx.select().from(memberships));
    expect(mine.map((r) => r.userId)).toEqual([alice]);
  });

  it("creates a campaign only for yourself, as its first owner", async () => {
    const id = crypto.randomUUID();
    await withPerson(t.db, bob, (tx) => tx.execute(sql`select create_organization_with_owner(${id}::uuid, 'new-one', 'New', ${bob}::uuid)`));
    const rows = await withTenant(t.db, { orgId: id, userId: bob }, (tx) => tx.select().from(memberships).where(eq(memberships.orgId, id)));
    expect(rows).toEqual([expect.objectContaining({ userId: bob, role: "owner" })]);
    await expect(
      withPerson(t.db, bob, (tx) => tx.execute(sql`select create_organization_with_owner(${crypto.randomUUID()}::uuid, 'other', 'X', ${alice}::uuid)`)),
    ).rejects.toThrow();
  });

  it("rejects a malformed organisation id before any query", async () => {
    await expect(withTenant(t.db, { orgId: "1 or 1=1", userId: alice }, (tx) => tx.select().from(memberships))).rejects.toThrow();
  });
});
