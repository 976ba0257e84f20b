import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { actionAssignees, actions, actionTargets, memberships, type Action } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { sealedActions } from "@/lib/contacts/sealed";
import type { Transaction } from "@/lib/db/client";
import { RuleError } from "@/lib/errors";
import { isUuid } from "@/lib/validation/ids";
import { ENDS_BEFORE_START, campaignActionPatchSchema, newCampaignActionSchema, type CampaignActionPatchInput, type NewCampaignActionInput } from "./input";
import { addTargets, targetCondition } from "./targets";
import { campaignActionNotFound, requirePermission, type CampaignActionViewer, type CampaignActionWriteOptions } from "./viewer";

/** Managers' changes to live campaign actions: add, change (assignees and targets included), move to the trash. */

const actor = (viewer: CampaignActionViewer) => ({ kind: "member" as const, id: viewer.userId });

/** Refuses anyone who is not an active member of the campaign (before anything is written). */
async function checkAssignees(tx: Transaction, orgId: string, userIds: string[]): Promise<string[]> {
  const wanted = [...new Set(userIds.map((u) => u.toLowerCase()))];
  if (wanted.length === 0) return [];
  const found = await tx
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), inArray(memberships.userId, wanted), isNull(memberships.disabledAt)));
  if (found.length !== wanted.length) {
    const msg = "Only active members of this campaign can be given an action.";
    throw new RuleError(msg, { fieldErrors: { assignees: msg } });
  }
  return wanted;
}

/** Adds an action with its assignees and targets; one action.created event. Returns its id. */
export async function addCampaignAction(tx: Transaction, viewer: CampaignActionViewer, input: NewCampaignActionInput, opts: CampaignActionWriteOptions = {}): Promise<string> {
  requirePermission(viewer, "actions:write", "Only the campaign's owners and admins create actions.");
  const v = newCampaignActionSchema.parse(input);
  const assignees = await checkAssignees(tx, viewer.orgId, v.assignees);
  const condition = await targetCondition(tx, viewer.orgId, v);
  const id = randomUUID();
  await tx.insert(actions).values(
    await sealedActions.seal(tx, {
      id,
      orgId: viewer.orgId,
      kind: v.kind,
      title: v.title,
      instructions: v.instructions ?? null,
      startsAt: v.startsAt ?? null,
      endsAt: v.endsAt ?? null,
      createdBy: viewer.userId,
    }),
  );
  if (assignees.length) await tx.insert(actionAssignees).values(assignees.map((userId) => ({ actionId: id, userId, orgId: viewer.orgId })));
  await addTargets(tx, viewer.orgId, id, condition);
  await recordAuditEvent(tx, { orgId: viewer.orgId, actor: actor(viewer), action: "action.created", target: { type: "action", id }, requestId: opts.requestId });
  return id;
}

async function liveForUpdate(tx: Transaction, viewer: CampaignActionViewer, id: string): Promise<Action> {
  if (!isUuid(id)) throw campaignActionNotFound();
  const [row] = await tx
    .select()
    .from(actions)
    .where(and(eq(actions.id, id), eq(actions.orgId, viewer.orgId), isNull(actions.deletedAt)))
    .for("update");
  if (!row) throw campaignActionNotFound();
  return row;
}

/** Applies a change; one action.updated event naming the fields that changed. Returns those field names. */
export async function updateCampaignAction(
  tx: Transaction,
  viewer: CampaignActionViewer,
  id: string,
  patch: CampaignActionPatchInput,
  opts: CampaignActionWriteOptions = {},
): Promise<string[]> {
  requirePermission(viewer, "actions:write");
  const p = campaignActionPatchSchema.parse(patch);
  const current = await sealedActions.open(tx, await liveForUpdate(tx, viewer, id));
  const startsAt = p.startsAt === undefined ? current.startsAt : p.startsAt;
  const endsAt = p.endsAt === undefined ? current.endsAt : p.endsAt;
  if (startsAt && endsAt && endsAt < startsAt) throw new RuleError(ENDS_BEFORE_START, { fieldErrors: { endsAt: ENDS_BEFORE_START } });

  const changed: string[] = [];
  const set: Partial<Record<"kind" | "title" | "instructions" | "startsAt" | "endsAt", unknown>> = {};
  if (p.kind !== undefined && p.kind !== current.kind) set.kind = p.kind;
  if (p.title !== undefined && p.title !== current.title) set.title = p.title;
  if (p.instructions !== undefined && p.instructions !== (current.instructions ?? null)) set.instructions = p.instructions;
  if ((startsAt?.getTime() ?? null) !== (current.startsAt?.getTime() ?? null)) set.startsAt = startsAt;
  if ((endsAt?.getTime() ?? null) !== (current.endsAt?.getTime() ?? null)) set.endsAt = endsAt;
  changed.push(...Object.keys(set));

  // Every check before the first write, so a refusal leaves nothing half-done.
  const assignees = p.assignees === undefined ? undefined : await checkAssignees(tx, viewer.orgId, p.assignees);
  const condition = p.addTargets ? await targetCondition(tx, viewer.orgId, p.addTargets) : null;

  if (assignees !== undefined) {
    const before = (await tx.select({ userId: actionAssignees.userId }).from(actionAssignees).where(eq(actionAssignees.actionId, id))).map((r) => r.userId);
    const gone = before.filter((u) => !assignees.includes(u));
    const added = assignees.filter((u) => !before.includes(u));
    if (gone.length) await tx.delete(actionAssignees).where(and(eq(actionAssignees.actionId, id), inArray(actionAssignees.userId, gone)));
    if (added.length) await tx.insert(actionAssignees).values(added.map((userId) => ({ actionId: id, userId, orgId: viewer.orgId })));
    if (gone.length || added.length) changed.push("assignees");
  }
  let targetsChanged = (await addTargets(tx, viewer.orgId, id, condition)) > 0;
  if (p.removeTargets?.length) {
    const removed = await tx
      .delete(actionTargets)
      .where(and(eq(actionTargets.actionId, id), inArray(actionTargets.contactId, p.removeTargets)))
      .returning({ contactId: actionTargets.contactId });
    targetsChanged ||= removed.length > 0;
  }
  if (targetsChanged) changed.push("targets");
  if (changed.length === 0) return [];

  const sealedSet = await sealedActions.sealPatch(tx, { orgId: viewer.orgId, id }, set as Parameters<typeof sealedActions.sealPatch>[2]);
  await tx
    .update(actions)
    .set({ ...sealedSet, updatedAt: new Date() })
    .where(and(eq(actions.id, id), eq(actions.orgId, viewer.orgId)));
  await recordAuditEvent(tx, {
    orgId: viewer.orgId,
    actor: actor(viewer),
    action: "action.updated",
    target: { type: "action", id },
    metadata: { fields: changed },
    requestId: opts.requestId,
  });
  return changed;
}

/** Moves a live action to the trash: it leaves every view until restored or purged. */
export async function trashCampaignAction(tx: Transaction, viewer: CampaignActionViewer, id: string, opts: CampaignActionWriteOptions = {}): Promise<void> {
  requirePermission(viewer, "actions:write");
  await liveForUpdate(tx, viewer, id);
  await tx
    .update(actions)
    .set({ deletedAt: sql`now()`, deletedBy: viewer.userId })
    .where(and(eq(actions.id, id), eq(actions.orgId, viewer.orgId)));
  await recordAuditEvent(tx, { orgId: viewer.orgId, actor: actor(viewer), action: "action.deleted", target: { type: "action", id }, requestId: opts.requestId });
}
