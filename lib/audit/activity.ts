import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { memberships, users } from "@/db/schema";
import type { Database, Transaction } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { auditCategoryOf, type AuditAction, type AuditCategory } from "./actions";
import { describeEvent, type NameResolver } from "./describe";
import { listAccountActivity, listActivityIn, type ActivityEvent, type ActivityQuery, type FeedViewer } from "./feed";
import { isUuid } from "@/lib/validation/ids";

/** One line of the activity feed, ready to render (plain data: it may cross to a client component). */
export type FeedItem = {
  id: string;
  cursor: string;
  /** ISO timestamp. */
  at: string;
  action: AuditAction;
  category: AuditCategory;
  actorKind: ActivityEvent["actorKind"];
  sentence: string;
};

export type FeedPage = { items: FeedItem[]; nextCursor: string | null; truncated: boolean };


/**
 * Names of the people in `userIds` whom the viewer may see: every current member for owners and admins; for a
 * volunteer, themselves and the campaign's owners and admins (who act on them). Former members stay unnamed.
 */
export async function visibleMemberNames(db: Database, viewer: FeedViewer, userIds: Iterable<string>): Promise<Map<string, string>> {
  return withTenant(db, { orgId: viewer.orgId, userId: viewer.userId }, (tx) => visibleMemberNamesIn(tx, viewer, userIds));
}

/** The same names inside a tenant transaction the caller already holds for this viewer. */
export async function visibleMemberNamesIn(tx: Transaction, viewer: FeedViewer, userIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set([...userIds].map((id) => id.toLowerCase()).filter(isUuid))];
  if (ids.length === 0) return new Map();
  const rows = await tx
    .select({ id: users.id, name: users.name, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, viewer.orgId), inArray(memberships.userId, ids)));
  const mayName = (r: (typeof rows)[number]) => viewer.role !== "volunteer" || r.id === viewer.userId || r.role !== "volunteer";
  return new Map(rows.filter(mayName).map((r) => [r.id, r.name]));
}

export function toFeedItems(events: ActivityEvent[], names: NameResolver, viewerId?: string): FeedItem[] {
  return events.map((e) => ({
    id: e.id,
    cursor: e.cursor,
    at: e.createdAt.toISOString(),
    action: e.action,
    category: auditCategoryOf(e.action),
    actorKind: e.actorKind,
    sentence: describeEvent(e, names, { viewerId }),
  }));
}

const peopleIn = (events: ActivityEvent[]) =>
  events.flatMap((e) => [e.actorKind === "member" ? e.actorId : null, e.targetType === "user" ? e.targetId : null]).filter((id): id is string => !!id);

/** The campaign feed for /o/[org] and /o/[org]/activity: one page of events as sentences, names resolved now. */
export function loadActivityFeed(db: Database, viewer: FeedViewer, query: ActivityQuery = {}): Promise<FeedPage> {
  return withTenant(db, { orgId: viewer.orgId, userId: viewer.userId }, (tx) => loadActivityFeedIn(tx, viewer, query));
}

/** The same feed page inside a tenant transaction the caller already holds for this viewer. */
export async function loadActivityFeedIn(tx: Transaction, viewer: FeedViewer, query: ActivityQuery = {}): Promise<FeedPage> {
  const page = await listActivityIn(tx, viewer, query);
  const names = await visibleMemberNamesIn(tx, viewer, peopleIn(page.events));
  return { items: toFeedItems(page.events, (id) => names.get(id), viewer.userId), nextCursor: page.nextCursor, truncated: page.truncated };
}

/** A person's own account events for /settings/security, as sentences in the second person. */
export async function loadAccountActivityFeed(db: Database, userId: string, query: Omit<ActivityQuery, "actorId"> = {}): Promise<FeedPage> {
  const page = await listAccountActivity(db, userId, query);
  return { items: toFeedItems(page.events, () => undefined, userId.toLowerCase()), nextCursor: page.nextCursor, truncated: page.truncated };
}
