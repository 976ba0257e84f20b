import "server-only";
import { and, count, eq } from "drizzle-orm";
import { contacts, type PrivacyReceipt } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { deleteContactRows } from "@/lib/contacts/write-rows";
import type { Database } from "@/lib/db/client";
import { withPerson } from "@/lib/db/tenant";
import { campaignNames, inCampaignFor, openCampaignIds } from "./campaigns";
import { writeReceipts } from "./receipts";

export type SyncedCampaign = { orgId: string; orgName: string; count: number };

/** How many contacts this person synced, per campaign (their own rows: RLS shows them in the person scope). */
export async function listSyncedContactCounts(db: Database, userId: string): Promise<SyncedCampaign[]> {
  const rows = await withPerson(db, userId, (tx) =>
    tx
      .select({ orgId: contacts.orgId, count: count() })
      .from(contacts)
      .where(eq(contacts.syncedBy, userId))
      .groupBy(contacts.orgId),
  );
  const names = await campaignNames(db, rows.map((r) => r.orgId));
  return rows
    .map((r) => ({ orgId: r.orgId, orgName: names.get(r.orgId)?.name ?? "A campaign", count: Number(r.count) }))
    .sort((a, b) => a.orgName.localeCompare(b.orgName));
}

export type SyncedDeletion = { orgId: string; orgName: string; count: number; receipt: PrivacyReceipt };

/**
 * Deletes for real the contacts this person synced, in one campaign or all: the rows (blind indexes with them),
 * and by cascade their name tokens, list entries, action targets and reports. Each campaign's deletion commits
 * with its `contacts.synced_deleted` event in that campaign's chain; the person then gets one receipt per campaign.
 */
export async function deleteSyncedContacts(db: Database, userId: string, options: { orgId?: string; requestId?: string | null } = {}): Promise<SyncedDeletion[]> {
  const campaigns = (await listSyncedContactCounts(db, userId)).filter((c) => options.orgId === undefined || c.orgId === options.orgId);
  if (campaigns.length === 0) return [];
  const open = await openCampaignIds(db, userId);
  const done: Omit<SyncedDeletion, "receipt">[] = [];
  for (const c of campaigns) {
    const deleted = await inCampaignFor(db, c.orgId, userId, open.has(c.orgId), async (tx) => {
      const mine = await tx
        .select({ id: contacts.id })
        .from(contacts)
        .where(and(eq(contacts.orgId, c.orgId), eq(contacts.syncedBy, userId)));
      const gone = await deleteContactRows(tx, c.orgId, mine.map((m) => m.id));
      if (gone.length > 0)
        await recordAuditEvent(tx, {
          orgId: c.orgId,
          actor: { kind: "member", id: userId },
          action: "contacts.synced_deleted",
          metadata: { count: gone.length },
          requestId: options.requestId,
        });
      return gone.length;
    });
    if (deleted > 0) done.push({ ...c, count: deleted });
  }
  // Receipts live in the person's scope, so they follow the campaign transactions (the chains already hold the events).
  const receipts = await writeReceipts(
    db,
    userId,
    done.map((d) => ({ kind: "synced_contacts_deleted" as const, orgId: d.orgId, orgName: d.orgName, count: d.count })),
  );
  return done.map((d, i) => ({ ...d, receipt: receipts[i]! }));
}
