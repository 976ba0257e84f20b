import "server-only";
import { inArray } from "drizzle-orm";
import { organizations } from "@/db/schema";
import type { Database, Transaction } from "@/lib/db/client";
import { withPerson, withSystem, withTenant } from "@/lib/db/tenant";

/**
 * Campaign plumbing for a person's own privacy tools: what they did in a campaign must reach that campaign's
 * chain even after they left it, and they may see the name of a campaign they left, nothing more.
 */

export type CampaignName = { id: string; name: string; slug: string };

/** The campaigns this person can enter right now (active member of a campaign that is not suspended). */
export async function openCampaignIds(db: Database, userId: string): Promise<Set<string>> {
  const rows = await withPerson(db, userId, (tx) => tx.select({ id: organizations.id }).from(organizations));
  return new Set(rows.map((r) => r.id));
}

/** Names (and slugs) of campaigns by id, read in the system scope because the person may have left them. */
export async function campaignNames(db: Database, ids: Iterable<string>): Promise<Map<string, CampaignName>> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  const rows = await withSystem(db, (tx) =>
    tx.select({ id: organizations.id, name: organizations.name, slug: organizations.slug }).from(organizations).where(inArray(organizations.id, wanted)),
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * One transaction in a campaign for work the person did themselves: as them while they can still enter it
 * (RLS checks them), otherwise in that campaign's system scope; callers filter by the person explicitly.
 */
export function inCampaignFor<T>(db: Database, orgId: string, userId: string, canEnter: boolean, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return withTenant(db, canEnter ? { orgId, userId } : { orgId }, fn);
}
