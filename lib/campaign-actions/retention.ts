import "server-only";
import { and, eq, isNotNull, lt } from "drizzle-orm";
import { actions, organizations } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import type { Database } from "@/lib/db/client";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { TRASH_RETENTION_DAYS } from "@/lib/tenancy/settings";

const DAY_MS = 86_400_000;

/** The campaign's trash window; a missing or malformed value gives the default, an out-of-range one its bound. */
export function trashRetentionDays(settings: Record<string, unknown> | null | undefined): number {
  const value = settings?.trashRetentionDays;
  if (typeof value !== "number" || !Number.isFinite(value)) return TRASH_RETENTION_DAYS.default;
  return Math.min(TRASH_RETENTION_DAYS.max, Math.max(TRASH_RETENTION_DAYS.min, Math.round(value)));
}

export type PurgeSweep = { purged: number; failures: { orgId: string; error: string }[] };

/**
 * The scheduled purge: in each campaign (system scope, its own transaction), hard-deletes the actions in the trash
 * for longer than the campaign's window, with one action.purged event each in the same transaction. One campaign's
 * failure does not stop the others.
 */
export async function purgeExpiredActions(db: Database, now = new Date()): Promise<PurgeSweep> {
  const orgIds = await withSystem(db, async (tx) => (await tx.select({ id: organizations.id }).from(organizations)).map((o) => o.id));
  const sweep: PurgeSweep = { purged: 0, failures: [] };
  for (const orgId of orgIds) {
    try {
      sweep.purged += await withTenant(db, { orgId }, async (tx) => {
        const [org] = await tx.select({ settings: organizations.settings }).from(organizations).where(eq(organizations.id, orgId));
        const cutoff = new Date(now.getTime() - trashRetentionDays(org?.settings) * DAY_MS);
        const gone = await tx
          .delete(actions)
          .where(and(eq(actions.orgId, orgId), isNotNull(actions.deletedAt), lt(actions.deletedAt, cutoff)))
          .returning({ id: actions.id });
        for (const { id } of gone) await recordAuditEvent(tx, { orgId, actor: { kind: "system" }, action: "action.purged", target: { type: "action", id } });
        return gone.length;
      });
    } catch (err) {
      sweep.failures.push({ orgId, error: err instanceof Error ? err.message.split("\n")[0]! : String(err) });
    }
  }
  return sweep;
}
