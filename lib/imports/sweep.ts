import "server-only";
import { organizations } from "@/db/schema";
import type { Database } from "@/lib/db/client";
import { withSystem } from "@/lib/db/tenant";
import type { BlobStore } from "@/lib/storage/blob-store";
import { sweepImports } from "./service";

/** The hourly backstop over every campaign (each upload also has a job due at its own expiry). */
export async function sweepAllImports(db: Database, store: BlobStore, now = new Date()) {
  const orgIds = await withSystem(db, async (tx) => (await tx.select({ id: organizations.id }).from(organizations)).map((o) => o.id));
  return sweepImports(db, store, orgIds, now);
}
