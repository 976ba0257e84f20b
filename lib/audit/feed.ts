import "server-only";
import { and, desc, eq, gt, gte, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditEvents } from "@/db/schema/audit";
import type { Role } from "@/db/schema/organizations";
import type { Database, Transaction } from "@/lib/db/client";
import { withPerson, withTenant } from "@/lib/db/tenant";
import { auditActionsIn, auditCategories, isAuditAction, type AuditAction, type AuditCategory, type AuditTargetType } from "./actions";
import { decodeTimeIdCursor, encodeTimeIdCursor, keysetMicros, timeIdKeyset } from "@/lib/pagination/keyset";
import { isUuid, uuidSchema } from "@/lib/validation/ids";

export type FeedViewer = { orgId: string; userId: string; role: Role };

/** The columns a feed page reads (bench/audit.ts reuses them for its OFFSET baseline). */
export const feedEventColumns = {
  id: auditEvents.id,
  seq: auditEvents.seq,
  orgId: auditEvents.orgId,
  actorKind: auditEvents.actorKind,
  actorId: auditEvents.actorId,
  action: auditEvents.action,
  targetType: auditEvents.targetType,
  targetId: auditEvents.targetId,
  metadata: auditEvents.metadata,
  createdAt: auditEvents.createdAt,
};

export type ActivityQuery = {
  /** Older than this cursor (the next page). */
  before?: string | null;
  /** Newer than this cursor (polling for live updates); `truncated` says when more arrived than `limit`. */
  after?: string | null;
  limit?: number;
  /** Only events this person did (or, for volunteers, nothing else than their own anyway). */
  actorId?: string | null;
  /** A list of actions or one category. */
  actions?: AuditAction[] | AuditCategory | null;
  /** created_at >= from */
  from?: Date | null;
  /** created_at < to */
  to?: Date | null;
  /** Only events about this record (a contact's history). */
  target?: { type: AuditTargetType; id: string } | null;
};

/** What the feed shows of an event: no hashes, no address hash, no request id. */
export type ActivityEvent = {
  id: string;
  cursor: string;
  seq: number;
  orgId: string | null;
  actorKind: (typeof auditEvents.$inferSelect)["actorKind"];
  actorId: string | null;
  action: AuditAction;
  targetType: string | null;
  targetId: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
};

export type ActivityPage = {
  events: ActivityEvent[];
  /** Cursor for the next (older) page, or null on the last page. */
  nextCursor: string | null;
  /** With `after`: more events arrived than `limit`; reload the first page instead. */
  truncated: boolean;
};

export const FEED_PAGE_SIZE = 50;
export const FEED_MAX_PAGE_SIZE = 200;

export class ActivityQueryError extends Error {
  constructor(reason: string) {
    super(`Invalid activity query: ${reason}`);
    this.name = "ActivityQueryError";
  }
}

const cursorSchema = z.string().regex(/^[1-9]\d{0,14}$/);

/** Cursors are the event's position in its organisation's chain: stable while new events arrive on top. */
export function encodeCursor(seq: number): string {
  return String(seq);
}

export function decodeCursor(cursor: string): number {
  if (!cursorSchema.safeParse(cursor).success) throw new ActivityQueryError("malformed cursor");
  return Number(cursor);
}

/**
 * Account events live in several chains (one person's mostly in one, but not all: what someone does to another person's
 * account joins that person's chain), so their pages go by time, then id, through the shared (time, id) keyset cursor.
 */
function accountKeyset(cursor: string, op: "<" | ">"): SQL {
  const key = decodeTimeIdCursor(cursor);
  if (!key) throw new ActivityQueryError("malformed cursor");
  return timeIdKeyset(auditEvents.createdAt, auditEvents.id, key, op);
}

function actionFilter(actions: ActivityQuery["actions"]): AuditAction[] | null {
  if (!actions) return null;
  if (typeof actions === "string") {
    if (!(auditCategories as readonly string[]).includes(actions)) throw new ActivityQueryError("unknown category");
    return auditActionsIn(actions);
  }
  if (!actions.every((a) => isAuditAction(a))) throw new ActivityQueryError("unknown action");
  return actions;
}

function pageSize(limit: number | undefined): number {
  const n = limit ?? FEED_PAGE_SIZE;
  if (!Number.isInteger(n) || n < 1 || n > FEED_MAX_PAGE_SIZE) throw new ActivityQueryError(`limit must be 1–${FEED_MAX_PAGE_SIZE}`);
  return n;
}

/**
 * One page, newest first, by keyset (never OFFSET): an organisation's on seq, account events on (time, id) as they span chains. Dates become
 * seq bounds through the time index, because time never runs backwards along a chain; the scan then stays on the (org_id, seq) index.
 */
async function page(tx: Transaction, orgId: string | null, visibility: SQL | undefined, query: ActivityQuery): Promise<ActivityPage> {
  const limit = pageSize(query.limit);
  const account = orgId === null;
  const chain = account ? isNull(auditEvents.orgId) : eq(auditEvents.orgId, orgId);
  const conditions: (SQL | undefined)[] = [chain, visibility];
  if (query.before) conditions.push(account ? accountKeyset(query.before, "<") : lt(auditEvents.seq, decodeCursor(query.before)));
  if (query.after) conditions.push(account ? accountKeyset(query.after, ">") : gt(auditEvents.seq, decodeCursor(query.after)));
  if (query.actorId) {
    if (!isUuid(query.actorId)) throw new ActivityQueryError("actorId is not a UUID");
    conditions.push(eq(auditEvents.actorId, query.actorId.toLowerCase()));
  }
  if (query.target) {
    if (!isUuid(query.target.id)) throw new ActivityQueryError("target id is not a UUID");
    conditions.push(eq(auditEvents.targetType, query.target.type), eq(auditEvents.targetId, query.target.id.toLowerCase()));
  }
  const actions = actionFilter(query.actions);
  if (actions) conditions.push(actions.length ? inArray(auditEvents.action, actions) : sql`false`);
  for (const [date, op] of [
    [query.from, "from"],
    [query.to, "to"],
  ] as const) {
    if (!date) continue;
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new ActivityQueryError(`${op} is not a date`);
    if (account) {
      conditions.push(op === "from" ? gte(auditEvents.createdAt, date) : lt(auditEvents.createdAt, date));
      continue;
    }
    // The first event at or after the date; every event before it in the chain is older, every one from it on is not.
    const firstAtOrAfter = sql`(SELECT e.seq FROM audit_events e WHERE ${orgId === null ? sql`e.org_id IS NULL` : sql`e.org_id = ${orgId}`}
      AND e.created_at >= ${date.toISOString()}::timestamptz ORDER BY e.created_at, e.seq LIMIT 1)`;
    const bound = sql`coalesce(${firstAtOrAfter}, ${Number.MAX_SAFE_INTEGER})`;
    conditions.push(op === "from" ? and(gte(auditEvents.createdAt, date), sql`${auditEvents.seq} >= ${bound}`) : and(lt(auditEvents.createdAt, date), sql`${auditEvents.seq} < ${bound}`));
  }
  const rows = await tx
    .select({ ...feedEventColumns, micros: keysetMicros(auditEvents.createdAt) })
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(...(account ? [desc(auditEvents.createdAt), desc(auditEvents.id)] : [desc(auditEvents.seq)]))
    .limit(limit + 1);
  const more = rows.length > limit;
  const cursorOf = (r: (typeof rows)[number]) => (account ? encodeTimeIdCursor({ micros: r.micros, id: r.id }) : encodeCursor(r.seq));
  const events = rows
    .slice(0, limit)
    .filter((r) => isAuditAction(r.action))
    .map(({ micros, ...r }) => ({ ...r, action: r.action as AuditAction, cursor: account ? encodeTimeIdCursor({ micros, id: r.id }) : encodeCursor(r.seq) }));
  const last = rows[Math.min(rows.length, limit) - 1];
  return {
    events,
    nextCursor: !query.after && more && last ? cursorOf(last) : null,
    truncated: !!query.after && more,
  };
}

/**
 * A campaign's activity for one member. Owners and admins see every event of the organisation; volunteers only
 * what they did or what was done to them. Row-level security confines the read to the organisation as well.
 */
export function listActivity(db: Database, viewer: FeedViewer, query: ActivityQuery = {}): Promise<ActivityPage> {
  return withTenant(db, { orgId: uuidSchema.parse(viewer.orgId), userId: uuidSchema.parse(viewer.userId) }, (tx) => listActivityIn(tx, viewer, query));
}

/** The same page inside a tenant transaction the caller already holds for this viewer. */
export function listActivityIn(tx: Transaction, viewer: FeedViewer, query: ActivityQuery = {}): Promise<ActivityPage> {
  const userId = uuidSchema.parse(viewer.userId).toLowerCase();
  const orgId = uuidSchema.parse(viewer.orgId).toLowerCase();
  const visibility =
    viewer.role === "owner" || viewer.role === "admin"
      ? undefined
      : or(eq(auditEvents.actorId, userId), and(eq(auditEvents.targetType, "user"), eq(auditEvents.targetId, userId)));
  return page(tx, orgId, visibility, query);
}

/** A person's own account-level events (sign-ins, sessions, 2FA, …) for /settings/security. */
export function listAccountActivity(db: Database, userId: string, query: Omit<ActivityQuery, "actorId"> = {}): Promise<ActivityPage> {
  const id = uuidSchema.parse(userId).toLowerCase();
  const own = or(eq(auditEvents.actorId, id), and(eq(auditEvents.targetType, "user"), eq(auditEvents.targetId, id)));
  return withPerson(db, id, (tx) => page(tx, null, own, query));
}

