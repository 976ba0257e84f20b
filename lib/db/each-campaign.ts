import "server-only";
import { organizations } from "@/db/schema";
import type { Database, Transaction } from "./client";
import { withSystem, withTenant } from "./tenant";

/** A campaign a sweep could not finish, with the first line of what went wrong (no stack, no SQL). */
export type CampaignFailure = { orgId: string; error: string };

/** Every campaign's id, read in the system scope: the hourly sweeps go through them one by one. */
export async function allCampaignIds(db: Database): Promise<string[]> {
  return withSystem(db, async (tx) => (await tx.select({ id: organizations.id }).from(organizations)).map((o) => o.id));
}

/**
 * Runs `work` in each campaign's own tenant transaction (the system scope of that campaign, RLS bound to it); a campaign
 * that fails is reported and the others go on.
 */
export async function inEachCampaign<T>(db: Database, work: (tx: Transaction, orgId: string) => Promise<T>): Promise<{ values: T[]; failures: CampaignFailure[] }> {
  const out = { values: [] as T[], failures: [] as CampaignFailure[] };
  for (const orgId of await allCampaignIds(db)) {
    try {
      out.values.push(await withTenant(db, { orgId }, (tx) => work(tx, orgId)));
    } catch (err) {
      out.failures.push({ orgId, error: err instanceof Error ? err.message.split("\n")[0]! : String(err) });
    }
  }
  return out;
}
