import "server-only";
import { count, eq, sql } from "drizzle-orm";
import { contacts } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import type { Database } from "@/lib/db/client";
import { withPerson, withTenant } from "@/lib/db/tenant";
import { databaseErrorOf } from "./db-errors";

export type AccountDeletion = { ok: true; syncedDeleted: { orgId: string; count: number }[] } | { ok: false; reason: "last_owner"; campaignSlug: string };

/**
 * Deletes the person's account through `delete_own_account()`, which refuses the last owner of a campaign
 * (SQLSTATE P0001, the campaign's slug as detail). The users row takes with it their sessions, memberships,
 * factors, receipts and synced contacts (cascade). `account.deleted` commits with the deletion; each campaign
 * that lost synced contacts then records how many in its own chain (ids only: the events outlive the person).
 */
export async function deleteOwnAccount(db: Database, userId: string, options: { requestId?: string | null } = {}): Promise<AccountDeletion> {
  let synced: { orgId: string; count: number }[];
  try {
    synced = await withPerson(db, userId, async (tx) => {
      const rows = await tx.select({ orgId: contacts.orgId, count: count() }).from(contacts).where(eq(contacts.syncedBy, userId)).groupBy(contacts.orgId);
      await recordAuditEvent(tx, {
        orgId: null,
        actor: { kind: "member", id: userId },
        action: "account.deleted",
        target: { type: "user", id: userId },
        requestId: options.requestId,
      });
      await tx.execute(sql`select delete_own_account()`);
      return rows.map((r) => ({ orgId: r.orgId, count: Number(r.count) }));
    });
  } catch (err) {
    const e = databaseErrorOf(err);
    if (e?.code === "P0001") return { ok: false, reason: "last_owner", campaignSlug: e.detail ?? "a campaign" };
    throw err;
  }
  for (const s of synced)
    await withTenant(db, { orgId: s.orgId }, (tx) =>
      recordAuditEvent(tx, {
        orgId: s.orgId,
        actor: { kind: "member", id: userId },
        action: "contacts.synced_deleted",
        metadata: { count: s.count },
        requestId: options.requestId,
      }),
    );
  return { ok: true, syncedDeleted: synced };
}
