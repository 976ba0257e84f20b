import "server-only";
import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, inArray, isNotNull, isNull, or, sql, type SQL } from "drizzle-orm";
import { actionAssignees, actions, actionTargets, contactLists, contacts, memberships, organizations, users, type Action, type ActionKind, type Contact, type ContactAddress } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { sealedActions, sealedContacts } from "@/lib/contacts/sealed";
import { resultRows, type Transaction } from "@/lib/db/client";
import type { OrgAccess } from "@/lib/tenancy/access";
import { can, type AccessRole, type Permission } from "@/lib/tenancy/permissions";
import { ENDS_BEFORE_START, actionPatchSchema, newActionSchema, type ActionPatchInput, type NewActionInput, type TargetSelection } from "./input";
import { trashRetentionDays } from "./retention";
import { RuleError } from "@/lib/errors";

/** The person looking, in one campaign; their role decides the view (the permission table, nothing else). */
export type ActionViewer = { orgId: string; userId: string; role: AccessRole };
export const actionViewer = (access: Pick<OrgAccess, "org" | "userId" | "role">): ActionViewer => ({ orgId: access.org.id, userId: access.userId, role: access.role });
type WriteOptions = { requestId?: string | null };

/** A refused change, with a message fit for the person and, where it belongs to one, the form field. */
export class ActionRuleError extends RuleError {
  constructor(message: string, fieldErrors?: Record<string, string>) {
    super(message, { fieldErrors });
    this.name = "ActionRuleError";
  }
}

const NOT_FOUND = "That action does not exist or is not available to you.";
const TARGET_PAGE = 200;
const LIST_LIMIT = 500;

function ensure(viewer: ActionViewer, permission: Permission, message = NOT_FOUND): void {
  if (!can(viewer.role, permission)) throw new ActionRuleError(message);
}

const readsAll = (viewer: ActionViewer) => can(viewer.role, "actions:read");
const readsAssigned = (viewer: ActionViewer) => can(viewer.role, "actions:read_assigned");

// Subqueries name their tables outright: drizzle drops table prefixes inside a single-table select's fields.
const assignedTo = (userId: string) => sql`exists (select 1 from action_assignees aa where aa.action_id = "actions"."id" and aa.user_id = ${userId})`;

/** Wall 2 for a volunteer's contacts (alias c): the ones assigned to them or synced by them, whatever RLS would also allow. */
const volunteerContact = (userId: string) => sql`(c.assigned_to = ${userId} or c.synced_by = ${userId})`;

/** Wall 2 for managers (alias c): a member's synced contact only once that member completed a report on it. */
const managerContact = sql`(c.synced_by is null or exists (select 1 from reports r where r.contact_id = c.id and r.filed_by = c.synced_by and r.completed_at is not null))`;

export type ActionListItem = {
  id: string;
  kind: ActionKind;
  title: string;
  startsAt: Date | null;
  endsAt: Date | null;
  createdAt: Date;
  /** Null for volunteers: how many others were given the action is not theirs to know. */
  assigneeCount: number | null;
  /** For a volunteer, only the targets that are theirs. */
  targetCount: number;
};

/** Live actions: all of them for readers, only those given to them for volunteers, nothing for anyone else. */
export async function listActions(tx: Transaction, viewer: ActionViewer): Promise<ActionListItem[]> {
  const base = { id: actions.id, kind: actions.kind, title: actions.title, startsAt: actions.startsAt, endsAt: actions.endsAt, createdAt: actions.createdAt };
  const live = and(eq(actions.orgId, viewer.orgId), isNull(actions.deletedAt));
  if (readsAll(viewer)) {
    return tx
      .select({
        ...base,
        assigneeCount: sql<number>`(select count(*)::int from action_assignees aa where aa.action_id = "actions"."id")`.mapWith(Number),
        targetCount: sql<number>`(select count(*)::int from action_targets at where at.action_id = "actions"."id")`.mapWith(Number),
      })
      .from(actions)
      .where(live)
      .orderBy(desc(actions.createdAt), asc(actions.id))
      .limit(LIST_LIMIT);
  }
  if (!readsAssigned(viewer)) return [];
  const rows = await tx
    .select({
      ...base,
      targetCount: sql<number>`(select count(*)::int from action_targets at join contacts c on c.id = at.contact_id
        where at.action_id = "actions"."id" and ${volunteerContact(viewer.userId)})`.mapWith(Number),
    })
    .from(actions)
    .where(and(live, assignedTo(viewer.userId)))
    .orderBy(asc(actions.startsAt), desc(actions.createdAt))
    .limit(LIST_LIMIT);
  return rows.map((r) => ({ ...r, assigneeCount: null }));
}

type ActionCore = Pick<Action, "id" | "kind" | "title" | "startsAt" | "endsAt" | "createdAt" | "updatedAt"> & { instructions: string | null };

export type ManagerActionView = ActionCore & {
  view: "manager";
  assignees: { userId: string; name: string }[];
  /** The first TARGET_PAGE targets by when they were added to the campaign; targetCount has them all. */
  targets: { contactId: string; name: string }[];
  targetCount: number;
};

export type ReachOut = { contactId: string; name: string; phone: string | null; email: string | null; address: ContactAddress | null };
export type VolunteerActionView = ActionCore & { view: "volunteer"; targets: ReachOut[] };

/** One live action as the viewer may see it, or null when it is not theirs to see (deleted ones live in the trash). */
export async function getAction(tx: Transaction, viewer: ActionViewer, id: string): Promise<ManagerActionView | VolunteerActionView | null> {
  if (!isUuid(id)) return null;
  const manager = readsAll(viewer);
  if (!manager && !readsAssigned(viewer)) return null;
  const [row] = await tx
    .select()
    .from(actions)
    .where(and(eq(actions.id, id), eq(actions.orgId, viewer.orgId), isNull(actions.deletedAt), manager ? undefined : assignedTo(viewer.userId)));
  if (!row) return null;
  const opened = await sealedActions.open(tx, row);
  const core: ActionCore = {
    id: opened.id,
    kind: opened.kind,
    title: opened.title,
    startsAt: opened.startsAt,
    endsAt: opened.endsAt,
    createdAt: opened.createdAt,
    updatedAt: opened.updatedAt,
    instructions: opened.instructions ?? null,
  };

  if (manager) {
    const assignees = await tx
      .select({ userId: actionAssignees.userId, name: users.name })
      .from(actionAssignees)
      .innerJoin(users, eq(users.id, actionAssignees.userId))
      .where(and(eq(actionAssignees.actionId, id), eq(actionAssignees.orgId, viewer.orgId)))
      .orderBy(asc(users.name));
    const targetRows = await tx
      .select({ id: contacts.id, orgId: contacts.orgId, name: contacts.name })
      .from(actionTargets)
      .innerJoin(contacts, eq(contacts.id, actionTargets.contactId))
      .where(eq(actionTargets.actionId, id))
      .orderBy(asc(contacts.createdAt), asc(contacts.id))
      .limit(TARGET_PAGE);
    const [{ n }] = (await tx.select({ n: sql<number>`count(*)::int`.mapWith(Number) }).from(actionTargets).where(eq(actionTargets.actionId, id))) as [{ n: number }];
    const named = await openSome(tx, targetRows);
    return { ...core, view: "manager", assignees, targets: named.map((c) => ({ contactId: c.id, name: c.name })), targetCount: n };
  }

  // Reach-out fields only: never notes, tags, lists or anything about the other people given the action.
  const targetRows = await tx
    .select({ id: contacts.id, orgId: contacts.orgId, name: contacts.name, phone: contacts.phone, email: contacts.email, address: contacts.address })
    .from(actionTargets)
    .innerJoin(contacts, eq(contacts.id, actionTargets.contactId))
    .where(and(eq(actionTargets.actionId, id), or(eq(contacts.assignedTo, viewer.userId), eq(contacts.syncedBy, viewer.userId))))
    .orderBy(asc(contacts.createdAt), asc(contacts.id))
    .limit(TARGET_PAGE);
  const reach = await openSome(tx, targetRows);
  return {
    ...core,
    view: "volunteer",
    targets: reach.map((c) => ({ contactId: c.id, name: c.name, phone: c.phone ?? null, email: c.email ?? null, address: c.address ?? null })),
  };
}

/** Decrypts the sealed columns a query selected, and only those (openAll skips the ones absent from the row). */
async function openSome<R extends Pick<Contact, "id" | "orgId">>(tx: Transaction, rows: R[]) {
  const opened = await sealedContacts.openAll(tx, rows as unknown as Contact[]);
  return opened as unknown as { [K in keyof R]: K extends keyof (typeof opened)[number] ? (typeof opened)[number][K] : R[K] }[];
}

const isUuid = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

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
    throw new ActionRuleError(msg, { assignees: msg });
  }
  return wanted;
}

/** The condition choosing contacts from a selection, after checking that a named list exists and every named contact is visible. */
async function targetCondition(tx: Transaction, orgId: string, sel: TargetSelection): Promise<SQL | null> {
  const parts: SQL[] = [];
  if (sel.listId) {
    const [list] = await tx.select({ id: contactLists.id }).from(contactLists).where(and(eq(contactLists.id, sel.listId), eq(contactLists.orgId, orgId)));
    if (!list) throw new ActionRuleError("That contact list does not exist.", { listId: "That contact list does not exist." });
    parts.push(sql`exists (select 1 from contact_list_members m where m.list_id = ${sel.listId} and m.contact_id = c.id)`);
  }
  if (sel.tag) parts.push(sql`${sel.tag} = any(c.tags)`);
  const ids = [...new Set(sel.contactIds ?? [])];
  if (ids.length) {
    const seen = resultRows<{ n: number | string }>(
      await tx.execute(sql`select count(*) as n from contacts c where c.org_id = ${orgId} and c.id in (${sql.join(ids.map((i) => sql`${i}::uuid`), sql`, `)}) and ${managerContact}`),
    );
    if (Number(seen[0]?.n ?? 0) !== ids.length) {
      const msg = "Some of the chosen contacts are not available.";
      throw new ActionRuleError(msg, { contactIds: msg });
    }
    parts.push(sql`c.id in (${sql.join(ids.map((i) => sql`${i}::uuid`), sql`, `)})`);
  }
  return parts.length ? sql.join(parts, sql` or `) : null;
}

async function addTargets(tx: Transaction, orgId: string, actionId: string, condition: SQL | null): Promise<number> {
  if (!condition) return 0;
  const rows = resultRows<{ contact_id: string }>(
    await tx.execute(sql`insert into action_targets (action_id, contact_id, org_id)
      select ${actionId}::uuid, c.id, c.org_id from contacts c where c.org_id = ${orgId} and (${condition}) and ${managerContact}
      on conflict do nothing returning contact_id`),
  );
  return rows.length;
}

/** Creates an action with its assignees and targets; one action.created event. Returns its id. */
export async function createAction(tx: Transaction, viewer: ActionViewer, input: NewActionInput, opts: WriteOptions = {}): Promise<string> {
  ensure(viewer, "actions:write", "Only the campaign's owners and admins create actions.");
  const v = newActionSchema.parse(input);
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
  await recordAuditEvent(tx, { orgId: viewer.orgId, actor: { kind: "member", id: viewer.userId }, action: "action.created", target: { type: "action", id }, requestId: opts.requestId });
  return id;
}

async function liveForUpdate(tx: Transaction, viewer: ActionViewer, id: string): Promise<Action> {
  if (!isUuid(id)) throw new ActionRuleError(NOT_FOUND);
  const [row] = await tx
    .select()
    .from(actions)
    .where(and(eq(actions.id, id), eq(actions.orgId, viewer.orgId), isNull(actions.deletedAt)))
    .for("update");
  if (!row) throw new ActionRuleError(NOT_FOUND);
  return row;
}

/** Applies a change; one action.updated event naming the fields that changed. Returns those field names. */
export async function updateAction(tx: Transaction, viewer: ActionViewer, id: string, patch: ActionPatchInput, opts: WriteOptions = {}): Promise<string[]> {
  ensure(viewer, "actions:write");
  const p = actionPatchSchema.parse(patch);
  const current = await sealedActions.open(tx, await liveForUpdate(tx, viewer, id));
  const startsAt = p.startsAt === undefined ? current.startsAt : p.startsAt;
  const endsAt = p.endsAt === undefined ? current.endsAt : p.endsAt;
  if (startsAt && endsAt && endsAt < startsAt) throw new ActionRuleError(ENDS_BEFORE_START, { endsAt: ENDS_BEFORE_START });

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
    actor: { kind: "member", id: viewer.userId },
    action: "action.updated",
    target: { type: "action", id },
    metadata: { fields: changed },
    requestId: opts.requestId,
  });
  return changed;
}

/** Moves a live action to the trash: it leaves every view until restored or purged. */
export async function deleteAction(tx: Transaction, viewer: ActionViewer, id: string, opts: WriteOptions = {}): Promise<void> {
  ensure(viewer, "actions:write");
  await liveForUpdate(tx, viewer, id);
  await tx
    .update(actions)
    .set({ deletedAt: sql`now()`, deletedBy: viewer.userId })
    .where(and(eq(actions.id, id), eq(actions.orgId, viewer.orgId)));
  await recordAuditEvent(tx, { orgId: viewer.orgId, actor: { kind: "member", id: viewer.userId }, action: "action.deleted", target: { type: "action", id }, requestId: opts.requestId });
}

async function trashedForUpdate(tx: Transaction, viewer: ActionViewer, id: string): Promise<void> {
  if (!isUuid(id)) throw new ActionRuleError(NOT_FOUND);
  const [row] = await tx
    .select({ id: actions.id })
    .from(actions)
    .where(and(eq(actions.id, id), eq(actions.orgId, viewer.orgId), isNotNull(actions.deletedAt)))
    .for("update");
  if (!row) throw new ActionRuleError(NOT_FOUND);
}

export async function restoreAction(tx: Transaction, viewer: ActionViewer, id: string, opts: WriteOptions = {}): Promise<void> {
  ensure(viewer, "actions:restore");
  await trashedForUpdate(tx, viewer, id);
  await tx
    .update(actions)
    .set({ deletedAt: null, deletedBy: null })
    .where(and(eq(actions.id, id), eq(actions.orgId, viewer.orgId)));
  await recordAuditEvent(tx, { orgId: viewer.orgId, actor: { kind: "member", id: viewer.userId }, action: "action.restored", target: { type: "action", id }, requestId: opts.requestId });
}

/** "Delete forever now" from the trash: the same end as the purge job, by a person, without waiting. */
export async function purgeActionNow(tx: Transaction, viewer: ActionViewer, id: string, opts: WriteOptions = {}): Promise<void> {
  ensure(viewer, "actions:restore");
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

/** The trash, newest first, for those who may restore; with the campaign's retention in days. */
export async function listTrash(tx: Transaction, viewer: ActionViewer): Promise<{ retentionDays: number; items: TrashItem[] }> {
  ensure(viewer, "actions:restore");
  const [org] = await tx.select({ settings: organizations.settings }).from(organizations).where(eq(organizations.id, viewer.orgId));
  const retentionDays = trashRetentionDays(org?.settings);
  const rows = await tx
    .select({ id: actions.id, kind: actions.kind, title: actions.title, deletedAt: actions.deletedAt, deletedByName: users.name })
    .from(actions)
    .leftJoin(users, eq(users.id, actions.deletedBy))
    .where(and(eq(actions.orgId, viewer.orgId), isNotNull(actions.deletedAt)))
    .orderBy(desc(actions.deletedAt), asc(actions.id))
    .limit(LIST_LIMIT);
  return {
    retentionDays,
    items: rows.map((r) => ({ ...r, deletedAt: r.deletedAt!, purgeAfter: new Date(r.deletedAt!.getTime() + retentionDays * 86_400_000) })),
  };
}

/** How many actions are in the trash (for the "Trash (N)" link). */
export async function countTrash(tx: Transaction, viewer: ActionViewer): Promise<number> {
  if (!can(viewer.role, "actions:restore")) return 0;
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int`.mapWith(Number) })
    .from(actions)
    .where(and(eq(actions.orgId, viewer.orgId), isNotNull(actions.deletedAt)));
  return row?.n ?? 0;
}

/** What the forms offer: active members to assign, lists and tags to choose targets from. Managers only. */
export async function actionFormChoices(tx: Transaction, viewer: ActionViewer) {
  ensure(viewer, "actions:write");
  const members = await tx
    .select({ userId: memberships.userId, name: users.name, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, viewer.orgId), isNull(memberships.disabledAt)))
    .orderBy(asc(users.name));
  const lists = await tx.select({ id: contactLists.id, name: contactLists.name }).from(contactLists).where(eq(contactLists.orgId, viewer.orgId)).orderBy(asc(contactLists.name));
  const tags = resultRows<{ tag: string }>(
    await tx.execute(sql`select distinct t as tag from contacts c, unnest(c.tags) t where c.org_id = ${viewer.orgId} and ${managerContact} order by 1 limit 200`),
  ).map((r) => r.tag);
  return { members, lists, tags };
}
