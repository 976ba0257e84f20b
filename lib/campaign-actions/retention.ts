import "server-only";
import { and, eq, isNotNull, lt } from "drizzle-orm";
import { actions, organizations } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import type { Database } from "@/lib/db/client";
import { inEachCampaign, type CampaignFailure } from "@/lib/db/each-campaign";
import { TRASH_RETENTION_DAYS } from "@/lib/tenancy/settings";

const DAY_MS = 86_400_000;

/** The campaign's trash window; a missing or malformed value gives the default, an out-of-range one its bound. */
export function trashRetentionDays(settings: Record<string, unknown> | null | undefined): number {
  const value = settings?.trashRetentionDays;
  if (typeof value !== "number" || !Number.isFinite(value)) return TRASH_RETENTION_DAYS.default;
  return Math.min(TRASH_RETENTION_DAYS.max, Math.max(TRASH_RETENTION_DAYS.min, Math.round(value)));
}

export type PurgeSweep = { purged: number; failures: CampaignFailure[] };

/**
 * The scheduled purge: in each campaign (system scope, its own transaction), hard-deletes the actions in the trash
 * for longer than the campaign's window, with one action.purged event each in the same transaction. One campaign's
 * failure does not stop the others.
 */
export async function purgeExpiredActions(db: Database, now = new Date()): Promise<PurgeSweep> {
  const { values, failures } = await inEachCampaign(db, async (tx, orgId) => {
    const [org] = await tx.select({ settings: organizations.settings }).from(organizations).where(eq(organizations.id, orgId));
    const cutoff = new Date(now.getTime() - trashRetentionDays(org?.settings) * DAY_MS);
    const gone = await tx
      .delete(actions)
      .where(and(eq(actions.orgId, orgId), isNotNull(actions.deletedAt), lt(actions.deletedAt, cutoff)))
      .returning({ id: actions.id });
    for (const { id } of gone) await recordAuditEvent(tx, { orgId, actor: { kind: "system" }, action: "action.purged", target: { type: "action", id } });
    return gone.length;
  });
  return { purged: values.reduce((n, v) => n + v, 0), failures };
}
