import { sql } from "drizzle-orm";
import { z } from "zod";
import { APP_ROLE, type Database, type Transaction } from "./client";

const uuid = z.uuid();

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
 * Switches an open transaction to one organisation (app role, transaction-local settings).
 * For work that must touch several organisations atomically, such as the demo seed.
 */
export async function enterTenant(tx: Transaction, ctx: TenantContext): Promise<void> {
  const orgId = uuid.parse(ctx.orgId);
  const userId = ctx.userId === undefined ? "" : uuid.parse(ctx.userId);
  await tx.execute(sql.raw(`SET LOCAL ROLE ${APP_ROLE}`));
  await tx.execute(sql`select set_config('app.org_id', ${orgId}, true), set_config('app.user_id', ${userId}, true)`);
}

/** A person's own rows across organisations (e.g. their memberships for /orgs), no organisation set. */
export function withPerson<T>(db: Database, userId: string, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  const id = uuid.parse(userId);
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(`SET LOCAL ROLE ${APP_ROLE}`));
    await tx.execute(sql`select set_config('app.org_id', '', true), set_config('app.user_id', ${id}, true)`);
    return fn(tx);
  });
}
