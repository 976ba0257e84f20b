import { menuTags } from "@/lib/contacts/tags-in-use";
import "server-only";
import { and, asc, count, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { actionAssignees, actions, actionTargets, contactLists, contacts, memberships, users, type Action, type Contact } from "@/db/schema";
import { contactReachOutColumns } from "@/lib/contacts/read-models";
import { openContacts, sealedActions, type OpenedContact } from "@/lib/contacts/sealed";
import { campaignContacts, visibleContacts } from "@/lib/contacts/visibility";
import type { Transaction } from "@/lib/db/client";
import { keysetMicros, keysetPage, withoutKeys, type KeysetPage, type KeysetPosition } from "@/lib/pagination/keyset";
import { can } from "@/lib/tenancy/permissions";
import { isUuid } from "@/lib/validation/ids";
import { countCampaignActionTrash } from "./trash";
import { readsAllCampaignActions, readsAssignedCampaignActions, requirePermission, type CampaignActionViewer } from "./viewer";

/** What people read of campaign actions: the list, one action (a manager's or a volunteer's view), the form's choices. */

const TARGET_PAGE = 200;

// Subqueries name their tables outright: drizzle drops table prefixes inside a single-table select's fields.
const givenTo = (userId: string) => sql`exists (select 1 from action_assignees aa where aa.action_id = "actions"."id" and aa.user_id = ${userId})`;

export type CampaignActionListItem = Pick<Action, "id" | "kind" | "title" | "startsAt" | "endsAt" | "createdAt"> & {
  /** Null for volunteers: how many others were given the action is not theirs to know. */
  assigneeCount: number | null;
  /** For a volunteer, only the targets they can see. */
  targetCount: number;
};

export const CAMPAIGN_ACTION_PAGE_SIZE = 50;

/**
 * One page of live actions, newest first by keyset over (created_at, id) through the (org_id, deleted_at, created_at)
 * index: all of them for readers, only those given to them for volunteers, nothing for anyone else.
 */
export async function listCampaignActions(
  tx: Transaction,
  viewer: CampaignActionViewer,
  options: { position?: KeysetPosition | null; pageSize?: number } = {},
): Promise<KeysetPage<CampaignActionListItem>> {
  const base = { id: actions.id, kind: actions.kind, title: actions.title, startsAt: actions.startsAt, endsAt: actions.endsAt, createdAt: actions.createdAt, micros: keysetMicros(actions.createdAt) };
  const live = and(eq(actions.orgId, viewer.orgId), isNull(actions.deletedAt));
  const page = (fetch: Parameters<typeof keysetPage<CampaignActionListItem & { micros: string }>>[3]) =>
    keysetPage({ time: actions.createdAt, id: actions.id }, options.position ?? null, options.pageSize ?? CAMPAIGN_ACTION_PAGE_SIZE, fetch);
  if (readsAllCampaignActions(viewer)) {
    return withoutKeys(
      await page((keyset, order, limit) =>
        tx
          .select({
            ...base,
            assigneeCount: sql<number>`(select count(*)::int from action_assignees aa where aa.action_id = "actions"."id")`.mapWith(Number),
            targetCount: sql<number>`(select count(*)::int from action_targets at where at.action_id = "actions"."id")`.mapWith(Number),
          })
          .from(actions)
          .where(and(live, keyset))
          .orderBy(...order)
          .limit(limit),
      ),
    );
  }
  if (!readsAssignedCampaignActions(viewer)) return { rows: [], nextCursor: null, prevCursor: null };
  const found = await page(async (keyset, order, limit) => {
    const rows = await tx
      .select(base)
      .from(actions)
      .where(and(live, givenTo(viewer.userId), keyset))
      .orderBy(...order)
      .limit(limit);
    const counts = rows.length
      ? await tx
          .select({ actionId: actionTargets.actionId, n: count() })
          .from(actionTargets)
          .innerJoin(contacts, eq(contacts.id, actionTargets.contactId))
          .where(and(inArray(actionTargets.actionId, rows.map((r) => r.id)), visibleContacts(viewer)))
          .groupBy(actionTargets.actionId)
      : [];
    const targetCounts = new Map(counts.map((c) => [c.actionId, c.n]));
    return rows.map((r) => ({ ...r, assigneeCount: null, targetCount: targetCounts.get(r.id) ?? 0 }));
  });
  return withoutKeys(found);
}

type CampaignActionCore = Pick<Action, "id" | "kind" | "title" | "startsAt" | "endsAt" | "createdAt" | "updatedAt"> & { instructions: string | null };
/** Cursors of the targets' pages (lib/pagination/keyset), null at either end. */
type TargetPageCursors = { targetPage: { nextCursor: string | null; prevCursor: string | null } };

export type ManagerCampaignActionView = CampaignActionCore & {
  view: "manager";
  assignees: { userId: string; name: string }[];
  /** One page (TARGET_PAGE) of targets by when they were added to the campaign; targetCount has them all. */
  targets: { contactId: string; name: string }[];
  targetCount: number;
} & TargetPageCursors;

/** What a volunteer needs to reach a target: never notes, tags, lists or anything about the others given the action. */
export type ReachOutTarget = { contactId: Contact["id"] } & Pick<OpenedContact<Contact>, "name" | "phone" | "email" | "address">;
export type VolunteerCampaignActionView = CampaignActionCore & { view: "volunteer"; targets: ReachOutTarget[] } & TargetPageCursors;
export type CampaignActionView = ManagerCampaignActionView | VolunteerCampaignActionView;


/** One live action as the viewer may see it, or null when it is not theirs to see (deleted ones live in the trash). Its
 * targets come a page at a time, by when they were added to the campaign, by keyset over (created_at, id). */
export async function getCampaignAction(
  tx: Transaction,
  viewer: CampaignActionViewer,
  id: string,
  options: { targets?: KeysetPosition | null; targetPageSize?: number } = {},
): Promise<CampaignActionView | null> {
  if (!isUuid(id)) return null;
  const manager = readsAllCampaignActions(viewer);
  if (!manager && !readsAssignedCampaignActions(viewer)) return null;
  const [row] = await tx
    .select()
    .from(actions)
    .where(and(eq(actions.id, id), eq(actions.orgId, viewer.orgId), isNull(actions.deletedAt), manager ? undefined : givenTo(viewer.userId)));
  if (!row) return null;
  const opened = await sealedActions.open(tx, row);
  const core: CampaignActionCore = {
    id: opened.id,
    kind: opened.kind,
    title: opened.title,
    startsAt: opened.startsAt,
    endsAt: opened.endsAt,
    createdAt: opened.createdAt,
    updatedAt: opened.updatedAt,
    instructions: opened.instructions ?? null,
  };
  const targetsOf = and(eq(actionTargets.actionId, id), visibleContacts(viewer));
  const targetPage = <R extends { id: string; micros: string }>(fetch: (keyset: SQL | undefined, order: SQL[], limit: number) => Promise<R[]>) =>
    keysetPage({ time: contacts.createdAt, id: contacts.id }, options.targets ?? null, options.targetPageSize ?? TARGET_PAGE, fetch, "asc");
  const cursorsOf = (p: KeysetPage<unknown>) => ({ nextCursor: p.nextCursor, prevCursor: p.prevCursor });

  if (manager) {
    const assignees = await tx
      .select({ userId: actionAssignees.userId, name: users.name })
      .from(actionAssignees)
      .innerJoin(users, eq(users.id, actionAssignees.userId))
      .where(and(eq(actionAssignees.actionId, id), eq(actionAssignees.orgId, viewer.orgId)))
      .orderBy(asc(users.name));
    const page = await targetPage((keyset, order, limit) =>
      tx
        .select({ id: contacts.id, orgId: contacts.orgId, card: contacts.card, name: contacts.name, micros: keysetMicros(contacts.createdAt) })
        .from(actionTargets)
        .innerJoin(contacts, eq(contacts.id, actionTargets.contactId))
        .where(and(targetsOf, keyset))
        .orderBy(...order)
        .limit(limit),
    );
    const [total] = await tx.select({ n: count() }).from(actionTargets).innerJoin(contacts, eq(contacts.id, actionTargets.contactId)).where(targetsOf);
    const named = await openContacts(tx, page.rows);
    return { ...core, view: "manager", assignees, targets: named.map((c) => ({ contactId: c.id, name: c.name })), targetCount: total?.n ?? 0, targetPage: cursorsOf(page) };
  }

  const page = await targetPage((keyset, order, limit) =>
    tx
      .select({ ...contactReachOutColumns, micros: keysetMicros(contacts.createdAt) })
      .from(actionTargets)
      .innerJoin(contacts, eq(contacts.id, actionTargets.contactId))
      .where(and(targetsOf, keyset))
      .orderBy(...order)
      .limit(limit),
  );
  const reach = await openContacts(tx, page.rows);
  return {
    ...core,
    view: "volunteer",
    targets: reach.map((c) => ({ contactId: c.id, name: c.name, phone: c.phone ?? null, email: c.email ?? null, address: c.address ?? null })),
    targetPage: cursorsOf(page),
  };
}

export type CampaignActionFormChoices = {
  members: { userId: string; name: string; role: string }[];
  lists: { id: string; name: string }[];
  tags: string[];
};

/** What the forms offer: active members to assign, lists and tags to choose targets from. Managers only. */
export async function campaignActionFormChoices(tx: Transaction, viewer: CampaignActionViewer): Promise<CampaignActionFormChoices> {
  requirePermission(viewer, "actions:write");
  const members = await tx
    .select({ userId: memberships.userId, name: users.name, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, viewer.orgId), isNull(memberships.disabledAt)))
    .orderBy(asc(users.name));
  const lists = await tx.select({ id: contactLists.id, name: contactLists.name }).from(contactLists).where(eq(contactLists.orgId, viewer.orgId)).orderBy(asc(contactLists.name));
  const tags = await menuTags(tx, viewer.orgId, campaignContacts(viewer.orgId));
  return { members, lists, tags };
}

/** The actions page: the list and, for those who may restore, how many wait in the trash. */
export async function loadCampaignActionsPage(
  tx: Transaction,
  viewer: CampaignActionViewer,
  position: KeysetPosition | null = null,
): Promise<{ page: KeysetPage<CampaignActionListItem>; trashCount: number }> {
  return { page: await listCampaignActions(tx, viewer, { position }), trashCount: await countCampaignActionTrash(tx, viewer) };
}

/** One action's page: the action and, for a manager who may change it, the form's choices; null when it is not theirs to see. */
export async function loadCampaignActionPage(
  tx: Transaction,
  viewer: CampaignActionViewer,
  id: string,
  targets: KeysetPosition | null = null,
): Promise<{ action: CampaignActionView; choices: CampaignActionFormChoices | null } | null> {
  const action = await getCampaignAction(tx, viewer, id, { targets });
  if (!action) return null;
  const choices = action.view === "manager" && can(viewer.role, "actions:write") ? await campaignActionFormChoices(tx, viewer) : null;
  return { action, choices };
}
