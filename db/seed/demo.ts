import { count, eq } from "drizzle-orm";
import type { DatabaseHandle, Transaction } from "@/lib/db/client";
import { enterSystem, enterTenant } from "@/lib/db/tenant";
import { hashPassword } from "@/lib/auth/password";
import { recordAuditEvent } from "@/lib/audit";
import { memberships, organizations, systemMeta, users, type Role } from "@/db/schema";
import { seedDemoWorkspace } from "./workspace";

export const demoOrganizations = [
  { slug: "demo-campaign", name: "Demo Campaign" },
  { slug: "rival-campaign", name: "Rival Campaign" },
] as const;

export const demoAccounts: ReadonlyArray<{ email: string; name: string; org?: string; role?: Role; staff?: boolean }> = [
  { email: "owner@demo.test", name: "Olivia Owner", org: "demo-campaign", role: "owner" },
  { email: "admin@demo.test", name: "Adam Admin", org: "demo-campaign", role: "admin" },
  { email: "volunteer@demo.test", name: "Vera Volunteer", org: "demo-campaign", role: "volunteer" },
  { email: "volunteer2@demo.test", name: "Victor Volunteer", org: "demo-campaign", role: "volunteer" },
  { email: "owner@rival.test", name: "Rita Rival", org: "rival-campaign", role: "owner" },
  { email: "staff@rampart.test", name: "Sam Staff", staff: true },
];

const CREATED_EMPTY = "created_empty_for_demo";
const SEEDED = "demo_seeded_at";

export class DemoRefusedError extends Error {
  constructor() {
    super("Refusing to load demo data: this database was not created empty for it (it already holds accounts or campaigns).");
    this.name = "DemoRefusedError";
  }
}

async function metaValue(tx: Transaction, key: string): Promise<unknown> {
  const [row] = await tx.select({ value: systemMeta.value }).from(systemMeta).where(eq(systemMeta.key, key));
  return row?.value;
}

async function isEmpty(tx: Transaction): Promise<boolean> {
  await enterSystem(tx);
  const [u] = await tx.select({ n: count() }).from(users);
  const [o] = await tx.select({ n: count() }).from(organizations);
  return (u?.n ?? 0) === 0 && (o?.n ?? 0) === 0;
}

async function seed(tx: Transaction, password: string): Promise<void> {
  await enterSystem(tx);
  const passwordHash = await hashPassword(password);
  const orgIds = new Map<string, string>();
  const people = new Map<string, string>();
  for (const org of demoOrganizations) {
    const [row] = await tx.insert(organizations).values(org).returning({ id: organizations.id });
    orgIds.set(org.slug, row!.id);
  }
  for (const account of demoAccounts) {
    const [user] = await tx
      .insert(users)
      .values({ email: account.email, name: account.name, passwordHash, isStaff: account.staff ?? false, emailVerifiedAt: new Date() })
      .returning({ id: users.id });
    people.set(account.email, user!.id);
    if (account.org && account.role) {
      const orgId = orgIds.get(account.org)!;
      await tx.insert(memberships).values({ orgId, userId: user!.id, role: account.role });
      const actor = { kind: "member" as const, id: user!.id };
      await enterTenant(tx, { orgId });
      if (account.role === "owner") await recordAuditEvent(tx, { orgId, actor, action: "org.created" });
      else await recordAuditEvent(tx, { orgId, actor, action: "member.invitation.accepted", metadata: { role: account.role } });
    }
  }
  const person = (email: string) => people.get(email)!;
  await seedDemoWorkspace(
    tx,
    { demo: orgIds.get("demo-campaign")!, rival: orgIds.get("rival-campaign")! },
    { owner: person("owner@demo.test"), admin: person("admin@demo.test"), volunteer: person("volunteer@demo.test"), volunteer2: person("volunteer2@demo.test"), rivalOwner: person("owner@rival.test") },
  );
  await enterSystem(tx);
  await tx.insert(systemMeta).values({ key: SEEDED, value: new Date().toISOString() });
}

/**
 * Embedded start-up: a database created by this open is marked as made for the demo, and a marked,
 * unseeded database gets the demo data once. Anything else is left alone.
 */
export async function prepareDemoData(handle: DatabaseHandle, password: string): Promise<"seeded" | "skipped"> {
  return handle.db.transaction(async (tx) => {
    if (handle.createdNow && (await isEmpty(tx)))
      await tx.insert(systemMeta).values({ key: CREATED_EMPTY, value: true }).onConflictDoNothing();
    if ((await metaValue(tx, CREATED_EMPTY)) !== true || (await metaValue(tx, SEEDED)) !== undefined) return "skipped";
    await seed(tx, password);
    return "seeded";
  });
}

/** `npm run seed:demo`: loads the demo data only into a database with no accounts and no campaigns. */
export async function seedDemoExplicitly(handle: DatabaseHandle, password: string): Promise<void> {
  await handle.db.transaction(async (tx) => {
    if (!(await isEmpty(tx))) throw new DemoRefusedError();
    await tx.insert(systemMeta).values({ key: CREATED_EMPTY, value: true }).onConflictDoNothing();
    await seed(tx, password);
  });
}
