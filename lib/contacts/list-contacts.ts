import { menuTags } from "./tags-in-use";
import "server-only";
import { and, arrayContains, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { contactListMembers, contacts, users } from "@/db/schema";
import type { Transaction } from "@/lib/db/client";
import { isUuid } from "@/lib/validation/ids";
import { tagSchema } from "./input";
import { keysetMicros, keysetPage, keysetPosition, type KeysetPage, type KeysetPosition } from "@/lib/pagination/keyset";
import { contactReachOutColumns, openContactRows, toFullRow, toReachOutRow, type FullContactRow, type ReachOutContactRow } from "./read-models";
import { classifySearch, searchCondition, type ContactSearchKind } from "./search";
import { contactScope, visibleContacts, type ContactViewer } from "./visibility";

export type ContactListQuery = {
  pageSize?: number;
  q?: string | null;
  /** Managers only; ignored for volunteers, who see no tags, lists or assignees. */
  tag?: string | null;
  listId?: string | null;
  /** A member's id, or "none" for unassigned contacts. */
  assignedTo?: string | null;
  /** Where the page is: the newest (default), older than a row, newer than a row, or the oldest page. */
  position?: ContactPosition | null;
};

export type ContactPosition = KeysetPosition;

/** How many contacts match: exact up to CONTACT_COUNT_CAP, then "at least" (no count over a whole campaign per page view). */
export type ContactCount = { value: number; exact: boolean };

type PageInfo = {
  count: ContactCount;
  pageSize: number;
  search: ContactSearchKind | null;
  /** Cursor of the next (older) page, or null on the oldest page. */
  nextCursor: string | null;
  /** Cursor of the previous (newer) page, or null on the newest page. */
  prevCursor: string | null;
};
export type ContactPage = (PageInfo & { view: "full"; rows: FullContactRow[] }) | (PageInfo & { view: "reach_out"; rows: ReachOutContactRow[] });

export const CONTACT_PAGE_SIZE = 50;
export const CONTACT_MAX_PAGE_SIZE = 100;
export const CONTACT_COUNT_CAP = 10_000;
/**
 * A filter's count stops sooner: a capped count visits about cap ÷ (share of contacts matching) rows, so a tag on
 * one contact in ten would visit 100,000 rows to reach 10,000; at 1,000 it costs no more than the whole list's count.
 */
export const CONTACT_FILTERED_COUNT_CAP = 1_000;

const clampPage = (n: number | undefined, fallback: number, max: number) => (n && Number.isInteger(n) && n >= 1 ? Math.min(n, max) : fallback);

export const contactPosition = keysetPosition;

/**
 * One page of contacts, newest first (created_at, id), by keyset: each page reads at most pageSize + 1 rows from the
 * (org_id, created_at, id) index whatever its place, the oldest page reading the same index backwards. Only the
 * page's rows are decrypted. The count stops at CONTACT_COUNT_CAP (CONTACT_FILTERED_COUNT_CAP with a filter or search). Filters a volunteer may not use (tag, list,
 * assignee) are ignored for them.
 */
export async function listContacts(tx: Transaction, viewer: ContactViewer, query: ContactListQuery = {}): Promise<ContactPage> {
  const scope = contactScope(viewer);
  const pageSize = clampPage(query.pageSize, CONTACT_PAGE_SIZE, CONTACT_MAX_PAGE_SIZE);
  const q = query.q?.trim().slice(0, 200) ?? "";
  const search = q ? classifySearch(q) : null;
  const empty = { count: { value: 0, exact: true }, pageSize, search, nextCursor: null, prevCursor: null };
  if (!scope) return { ...empty, view: "reach_out", rows: [] };

  const conditions: SQL[] = [visibleContacts(viewer)];
  if (search) {
    const condition = await searchCondition(tx, viewer.orgId, q, search);
    if (!condition) return scope === "full" ? { ...empty, view: "full", rows: [] } : { ...empty, view: "reach_out", rows: [] };
    conditions.push(condition);
  }
  if (scope === "full") {
    const tag = query.tag ? tagSchema.safeParse(query.tag) : null;
    if (tag?.success) conditions.push(arrayContains(contacts.tags, [tag.data]));
    if (query.listId && isUuid(query.listId))
      conditions.push(
        inArray(contacts.id, tx.select({ id: contactListMembers.contactId }).from(contactListMembers).where(and(eq(contactListMembers.orgId, viewer.orgId), eq(contactListMembers.listId, query.listId)))),
      );
    if (query.assignedTo === "none") conditions.push(isNull(contacts.assignedTo));
    else if (query.assignedTo && isUuid(query.assignedTo)) conditions.push(eq(contacts.assignedTo, query.assignedTo));
  }
  const where = and(...conditions)!;
  const count = await cappedCount(tx, where, conditions.length > 1 ? CONTACT_FILTERED_COUNT_CAP : CONTACT_COUNT_CAP);
  const info = (page: KeysetPage<unknown & { micros: string; id: string }>) => ({ count, pageSize, search, nextCursor: page.nextCursor, prevCursor: page.prevCursor });

  const columns = { time: contacts.createdAt, id: contacts.id };
  const position = query.position ?? null;
  const base = { ...contactReachOutColumns, syncedBy: contacts.syncedBy, createdAt: contacts.createdAt, micros: keysetMicros(contacts.createdAt) };

  if (scope === "reach_out") {
    const page = await keysetPage(columns, position, pageSize, (keyset, order, limit) =>
      tx.select(base).from(contacts).where(and(where, keyset)).orderBy(...order).limit(limit),
    );
    const rows = await openContactRows(tx, page.rows);
    return { ...info(page), view: "reach_out", rows: rows.map((r) => toReachOutRow(viewer, r)) };
  }
  const page = await keysetPage(columns, position, pageSize, (keyset, order, limit) =>
    tx
      .select({ ...base, tags: contacts.tags, source: contacts.source, assignedTo: contacts.assignedTo, assigneeName: users.name })
      .from(contacts)
      .leftJoin(users, eq(users.id, contacts.assignedTo))
      .where(and(where, keyset))
      .orderBy(...order)
      .limit(limit),
  );
  const rows = await openContactRows(tx, page.rows);
  return { ...info(page), view: "full", rows: rows.map((r) => toFullRow(viewer, r)) };
}

/**
 * count(*) over at most cap + 1 matching rows: exact for a small set, "10,000+" (a filter: "1,000+") beyond. Never an
 * estimate from the planner's statistics: those are the whole table's, every campaign's rows and tags together.
 */
async function cappedCount(tx: Transaction, where: SQL, cap: number): Promise<ContactCount> {
  const capped = tx.select({ one: sql`1`.as("one") }).from(contacts).where(where).limit(cap + 1).as("capped");
  const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(capped);
  const n = Number(row?.n ?? 0);
  return { value: Math.min(n, cap), exact: n <= cap };
}

/** The campaign's tags in use, for the filter (managers only): kept tags plus those of the synced contacts they see. */
export async function contactTagsInUse(tx: Transaction, viewer: ContactViewer): Promise<string[]> {
  if (contactScope(viewer) !== "full") return [];
  return menuTags(tx, viewer.orgId, visibleContacts(viewer));
}
