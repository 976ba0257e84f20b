import "server-only";
import { and, count, eq, isNotNull } from "drizzle-orm";
import { actions, organizations, users, type ActionKind } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import type { Transaction } from "@/lib/db/client";
import { keysetMicros, keysetPage, withoutKeys, type KeysetPage, type KeysetPosition } from "@/lib/pagination/keyset";
import { can } from "@/lib/tenancy/permissions";
import { isUuid } from "@/lib/validation/ids";
import { trashRetentionDays } from "./retention";
import { campaignActionNotFound, requirePermission, type CampaignActionViewer, type CampaignActionWriteOptions } from "./viewer";

/** The trash of campaign actions: what is in it, and putting an action back or deleting it for good before the purge job does. */


async function trashedForUpdate(tx: Transaction, viewer: CampaignActionViewer, id: string): Promise<void> {
  if (!isUuid(id)) throw campaignActionNotFound();
  const [row] = await tx
    .select({ id: actions.id })
    .from(actions)
    .where(and(eq(actions.id, id), eq(actions.orgId, viewer.orgId), isNotNull(actions.deletedAt)))
    .for("update");
  if (!row) throw campaignActionNotFound();
}

export async function restoreCampaignAction(tx: Transaction, viewer: CampaignActionViewer, id: string, opts: CampaignActionWriteOptions = {}): Promise<void> {
  requirePermission(viewer, "actions:restore");
  await trashedForUpdate(tx, viewer, id);
  await tx
    .update(actions)
    .set({ deletedAt: null, deletedBy: null })
    .where(and(eq(actions.id, id), eq(actions.orgId, viewer.orgId)));
  await recordAuditEvent(tx, { orgId: viewer.orgId, actor: { kind: "member", id: viewer.userId }, action: "action.restored", target: { type: "action", id }, requestId: opts.requestId });
}

/** "Delete forever now" from the trash: the same end as the purge job, by a person, without waiting. */
export async function purgeCampaignAction(tx: Transaction, viewer: CampaignActionViewer, id: string, opts: CampaignActionWriteOptions = {}): Promise<void> {
  requirePermission(viewer, "actions:restore");
  await trashedForUpdate(tx, viewer, id);
  await tx.delete(actions).where(and(eq(actions.id, id), eq(actions.orgId, viewer.orgId)));
  await recordAuditEvent(tx, { orgId: viewer.orgId, actor: { kind: "member", id: viewer.userId }, action: "action.purged", target: { type: "action", id }, requestId: opts.requestId });
}

export type TrashItem = {
  id: string;
  kind: ActionKind;
  title: string;
  deletedAt: Date;
  /** Null when the person has since left the platform. */
  deletedByName: string | null;
  purgeAfter: Date;
};

export const TRASH_PAGE_SIZE = 50;

/**
 * One page of the trash, the latest deleted first by keyset over (deleted_at, id) through the (org_id, deleted_at, …)
 * index, for those who may restore; with the campaign's retention in days.
 */
export async function listCampaignActionTrash(
  tx: Transaction,
  viewer: CampaignActionViewer,
  options: { position?: KeysetPosition | null; pageSize?: number } = {},
): Promise<{ retentionDays: number } & KeysetPage<TrashItem>> {
  requirePermission(viewer, "actions:restore");
  const [org] = await tx.select({ settings: organizations.settings }).from(organizations).where(eq(organizations.id, viewer.orgId));
  const retentionDays = trashRetentionDays(org?.settings);
  const page = await keysetPage({ time: actions.deletedAt, id: actions.id }, options.position ?? null, options.pageSize ?? TRASH_PAGE_SIZE, (keyset, order, limit) =>
    tx
      .select({ id: actions.id, kind: actions.kind, title: actions.title, deletedAt: actions.deletedAt, deletedByName: users.name, micros: keysetMicros(actions.deletedAt) })
      .from(actions)
      .leftJoin(users, eq(users.id, actions.deletedBy))
      .where(and(eq(actions.orgId, viewer.orgId), isNotNull(actions.deletedAt), keyset))
      .orderBy(...order)
      .limit(limit),
  );
  const { rows, ...cursors } = withoutKeys(page);
  return { retentionDays, ...cursors, rows: rows.map((r) => ({ ...r, deletedAt: r.deletedAt!, purgeAfter: new Date(r.deletedAt!.getTime() + retentionDays * 86_400_000) })) };
}

/** How many actions are in the trash (for the "Trash (N)" link); 0 for those who may not restore. */
export async function countCampaignActionTrash(tx: Transaction, viewer: CampaignActionViewer): Promise<number> {
  if (!can(viewer.role, "actions:restore")) return 0;
  const [row] = await tx
    .select({ n: count() })
    .from(actions)
    .where(and(eq(actions.orgId, viewer.orgId), isNotNull(actions.deletedAt)));
  return row?.n ?? 0;
}
