import "server-only";
import type { Database } from "@/lib/db/client";
import { allCampaignIds } from "@/lib/db/each-campaign";
import type { BlobStore } from "@/lib/storage/blob-store";
import { sweepImports } from "./service";

/** The hourly backstop over every campaign (each upload also has a job due at its own expiry). */
export async function sweepAllImports(db: Database, store: BlobStore, now = new Date()) {
  return sweepImports(db, store, await allCampaignIds(db), now);
}
