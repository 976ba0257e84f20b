import "server-only";
import { asc } from "drizzle-orm";
import { organizations } from "@/db/schema/organizations";
import type { Database } from "@/lib/db/client";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { masterKeyUsage, rewrapOrganizationKeys } from "./data-keys";
import { masterKeyProvider } from "./keyring";

export type MasterRotationResult = {
  /** The master key every live organisation key is now wrapped by. */
  newest: string;
  organizations: number;
  rewrapped: number;
  /** Live keys per master key id after the run: only `newest` once it completes. */
  usage: Record<string, number>;
};

/**
 * Re-wraps every organisation's live keys under the newest master key, one organisation per
 * transaction. Keys not yet re-wrapped stay readable through their old master key meanwhile, so
 * the app can keep running against the same database; an interrupted run is simply run again.
 */
export async function rotateMasterKeys(db: Database, onOrganization?: (done: number, total: number) => void): Promise<MasterRotationResult> {
  const newest = masterKeyProvider().keyIds()[0]!;
  const orgIds = await withSystem(db, (tx) => tx.select({ id: organizations.id }).from(organizations).orderBy(asc(organizations.id)));
  let rewrapped = 0;
  const usage: Record<string, number> = {};
  for (const [i, { id }] of orgIds.entries()) {
    await withTenant(db, { orgId: id }, async (tx) => {
      rewrapped += await rewrapOrganizationKeys(tx, id);
      for (const [keyId, n] of Object.entries(await masterKeyUsage(tx, id))) usage[keyId] = (usage[keyId] ?? 0) + n;
    });
    onOrganization?.(i + 1, orgIds.length);
  }
  return { newest, organizations: orgIds.length, rewrapped, usage };
}
