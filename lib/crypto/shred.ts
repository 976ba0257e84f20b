import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { jobs } from "@/db/schema/jobs";
import type { Database } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import type { BlobStore } from "@/lib/storage/blob-store";
import { destroyOrganizationKeys } from "./data-keys";

/**
 * Crypto-shredding, the first step of deleting an organisation: every data and blind-index key of
 * it loses its key material in one transaction, so its sealed fields, its files and every copy of
 * them (replicas, blob backups) become unreadable; pending jobs of the organisation are stopped.
 * Database backups taken before this still hold its wrapped keys until they expire or the master
 * key that wrapped them is retired.
 */
export async function shredOrganizationKeys(db: Database, orgId: string): Promise<{ destroyedKeys: number }> {
  const destroyedKeys = await withTenant(db, { orgId }, async (tx) => {
    const n = await destroyOrganizationKeys(tx, orgId);
    await tx
      .update(jobs)
      .set({ state: "failed", lastError: "organisation keys destroyed", finishedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(jobs.orgId, orgId), inArray(jobs.state, ["queued", "running"])));
    return n;
  });
  return { destroyedKeys };
}

/** After shredding: removes the organisation's (now unreadable) blobs from the store. */
export async function deleteOrganizationBlobs(store: BlobStore, orgId: string): Promise<number> {
  const keys = await store.list(`org/${orgId}/`);
  for (const key of keys) await store.delete(key);
  return keys.length;
}
