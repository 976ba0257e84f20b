import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { count, eq } from "drizzle-orm";
import { memberships, organizations, users } from "@/db/schema";
import { listActivity } from "@/lib/audit";
import { withSystem } from "@/lib/db/tenant";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/databases";
import { demoAccounts, DemoRefusedError, prepareDemoData, seedDemoExplicitly } from "./demo";

describe("demo data", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("pglite");
  });
  afterAll(async () => t?.drop());

  it("loads once into a database created empty for it, with the accounts and roles of DESIGN.md", async () => {
    expect(await prepareDemoData({ ...t, createdNow: true }, "orange-lantern-harbor-42")).toBe("seeded");
    expect(await prepareDemoData({ ...t, createdNow: false }, "orange-lantern-harbor-42")).toBe("skipped");
    const rows = await withSystem(t.db, (tx) =>
      tx
        .select({ email: users.email, slug: organizations.slug, role: memberships.role })
        .from(users)
        .leftJoin(memberships, eq(memberships.userId, users.id))
        .leftJoin(organizations, eq(organizations.id, memberships.orgId)),
    );
    for (const a of demoAccounts) expect(rows).toContainEqual({ email: a.email, slug: a.org ?? null, role: a.role ?? null });
    const [staff] = await withSystem(t.db, (tx) => tx.select({ isStaff: users.isStaff }).from(users).where(eq(users.email, "staff@rampart.test")));
    expect(staff?.isStaff).toBe(true);
  });

  it("gives the demo campaign a real activity feed", async () => {
    const [org] = await withSystem(t.db, (tx) => tx.select().from(organizations).where(eq(organizations.slug, "demo-campaign")));
    const [owner] = await withSystem(t.db, (tx) => tx.select().from(users).where(eq(users.email, "owner@demo.test")));
    const page = await listActivity(t.db, { orgId: org!.id, userId: owner!.id, role: "owner" }, {});
    expect(page.events.map((e) => e.action)).toEqual(expect.arrayContaining(["org.created", "member.invitation.accepted"]));
  });

  it("refuses a database that was not created empty for it", async () => {
    await expect(seedDemoExplicitly({ ...t, createdNow: false }, "orange-lantern-harbor-42")).rejects.toBeInstanceOf(DemoRefusedError);
    const [n] = await withSystem(t.db, (tx) => tx.select({ n: count() }).from(users));
    expect(n?.n).toBe(demoAccounts.length);
  });

  it("never seeds an existing database it did not create", async () => {
    const other = await createTestDatabase("pglite");
    try {
      await withSystem(other.db, (tx) => tx.insert(users).values({ email: "real@campaign.test", name: "Real" }));
      expect(await prepareDemoData({ ...other, createdNow: false }, "orange-lantern-harbor-42")).toBe("skipped");
      const [n] = await withSystem(other.db, (tx) => tx.select({ n: count() }).from(users));
      expect(n?.n).toBe(1);
    } finally {
      await other.drop();
    }
  });
});
