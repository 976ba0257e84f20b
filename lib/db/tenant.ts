import { sql } from "drizzle-orm";
import { wallEnabled } from "@/lib/tenancy/walls";
import { APP_ROLE, resultRows, type Database, type Transaction } from "./client";
import { uuidSchema } from "@/lib/validation/ids";


/**
 * `userId` present: a person's request — RLS opens the organisation only if that person may access it
 * (active member, or staff under a live support grant) and it is not suspended. `userId` absent: trusted
 * background work (jobs, scripts, seed) in the system scope; if the transaction already acts for a
 * person, that person stays and no system scope is granted.
 */
export type TenantContext = { orgId: string; userId?: string };

/**
 * The only way to reach tenant rows: one transaction working as the app role with the
 * organisation (and person) set for that transaction alone. Outside it, RLS shows nothing.
 */
export function withTenant<T>(db: Database, ctx: TenantContext, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await enterTenant(tx, ctx);
    return fn(tx);
  });
}

/**
 * The role for tenant work: the app role, bound by row-level security. Set with `set_config('role', …, true)`, which
 * is `SET LOCAL ROLE` (same membership check, same transaction scope) but can share one statement with the settings.
 * Test-only: with wall 3 switched off the transaction runs as the connecting (superuser) role, bypassing RLS.
 */
const tenantRole = () => (wallEnabled("rls") ? APP_ROLE : "none");

/** Switches an open transaction to one organisation (app role, transaction-local settings), in one statement. */
export async function enterTenant(tx: Transaction, ctx: TenantContext): Promise<void> {
  const orgId = uuidSchema.parse(ctx.orgId);
  if (ctx.userId !== undefined) {
    const userId = uuidSchema.parse(ctx.userId);
    await tx.execute(
      sql`select set_config('role', ${tenantRole()}, true), set_config('app.org_id', ${orgId}, true), set_config('app.user_id', ${userId}, true), set_config('app.system_scope', '', true)`,
    );
  } else {
    await tx.execute(sql`select set_config('role', ${tenantRole()}, true), set_config('app.org_id', ${orgId}, true),
      set_config('app.system_scope', case when coalesce(current_setting('app.user_id', true), '') = '' then 'on' else '' end, true)`);
  }
}

/** A person's own rows across organisations (e.g. their memberships for /orgs), no organisation set. */
export function withPerson<T>(db: Database, userId: string, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  const id = uuidSchema.parse(userId);
  return db.transaction(async (tx) => {
    await enterPerson(tx, id);
    return fn(tx);
  });
}

/**
 * Switches an open transaction to one person with no organisation (app role), in one statement. `tenantWall`: the
 * role follows wall 3's test switch like a tenant transaction (the guard's read of the campaign row, which RLS checks).
 */
export async function enterPerson(tx: Transaction, userId: string, options: { tenantWall?: boolean } = {}): Promise<void> {
  const id = uuidSchema.parse(userId);
  const role = options.tenantWall ? tenantRole() : APP_ROLE;
  await tx.execute(sql`select set_config('role', ${role}, true), set_config('app.org_id', '', true), set_config('app.user_id', ${id}, true), set_config('app.system_scope', '', true)`);
}

/**
 * enterPerson (with `tenantWall`) for a request about one campaign, named by its slug: in the same statement the
 * campaign the slug names (none: '') is requested as the organisation, so the request's tenant reads can follow
 * without another set-up. The transaction is then as enterTenant({ orgId, userId }) leaves it, and RLS decides as it
 * does there: app_current_org_id() opens the campaign only to a person who may access it. Returns the campaign
 * requested, or null.
 */
export async function enterPersonForCampaign(tx: Transaction, userId: string, slug: string | null): Promise<string | null> {
  const id = uuidSchema.parse(userId);
  const [row] = resultRows<{ org: string }>(
    await tx.execute(
      sql`select set_config('role', ${tenantRole()}, true), set_config('app.org_id', coalesce((select l.id::text from org_lookup_by_slug(${slug}::text) l), ''), true) as org, set_config('app.user_id', ${id}, true), set_config('app.system_scope', '', true)`,
    ),
  );
  return row?.org ? row.org : null;
}

/** Trusted cross-organisation work (seed, staff console, breach switches, scripts): the system scope, no person. */
export function withSystem<T>(db: Database, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await enterSystem(tx);
    return fn(tx);
  });
}

export async function enterSystem(tx: Transaction): Promise<void> {
  await tx.execute(sql`select set_config('role', ${APP_ROLE}, true), set_config('app.org_id', '', true), set_config('app.user_id', '', true), set_config('app.system_scope', 'on', true)`);
}
