import "server-only";
import { and, arrayContains, desc, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { contactListMembers, contacts, users } from "@/db/schema";
import type { Transaction } from "@/lib/db/client";
import { isUuid } from "@/lib/validation/ids";
import { tagSchema } from "./input";
import { contactReachOutColumns, openContactRows, toFullRow, toReachOutRow, type FullContactRow, type ReachOutContactRow } from "./read-models";
import { classifySearch, searchCondition, type ContactSearchKind } from "./search";
import { contactScope, visibleContacts, type ContactViewer } from "./visibility";

export type ContactListQuery = {
  page?: number;
  pageSize?: number;
  q?: string | null;
  /** Managers only; ignored for volunteers, who see no tags, lists or assignees. */
  tag?: string | null;
  listId?: string | null;
  /** A member's id, or "none" for unassigned contacts. */
  assignedTo?: string | null;
};

type PageInfo = { total: number; page: number; pageSize: number; pageCount: number; search: ContactSearchKind | null };
export type ContactPage = (PageInfo & { view: "full"; rows: FullContactRow[] }) | (PageInfo & { view: "reach_out"; rows: ReachOutContactRow[] });

export const CONTACT_PAGE_SIZE = 50;
export const CONTACT_MAX_PAGE_SIZE = 100;

const clampPage = (n: number | undefined, fallback: number, max: number) => (n && Number.isInteger(n) && n >= 1 ? Math.min(n, max) : fallback);

/**
 * One page of contacts, newest first, with the total. Only the page's rows are decrypted. Filters a volunteer
 * may not use (tag, list, assignee) are ignored for them.
 */
export async function listContacts(tx: Transaction, viewer: ContactViewer, query: ContactListQuery = {}): Promise<ContactPage> {
  const scope = contactScope(viewer);
  const pageSize = clampPage(query.pageSize, CONTACT_PAGE_SIZE, CONTACT_MAX_PAGE_SIZE);
  const page = clampPage(query.page, 1, 1_000_000);
  const q = query.q?.trim().slice(0, 200) ?? "";
  const search = q ? classifySearch(q) : null;
  const empty = { total: 0, page, pageSize, pageCount: 0, search };
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
  const where = and(...conditions);

  const [{ total }] = (await tx.select({ total: sql<number>`count(*)::int` }).from(contacts).where(where)) as [{ total: number }];
  const pageCount = Math.ceil(total / pageSize);
  const offset = (page - 1) * pageSize;
  const info = { total: Number(total), page, pageSize, pageCount, search };
  const base = { ...contactReachOutColumns, syncedBy: contacts.syncedBy, createdAt: contacts.createdAt };
  const order = [desc(contacts.createdAt), desc(contacts.id)];

  if (scope === "reach_out") {
    const rows = await openContactRows(tx, await tx.select(base).from(contacts).where(where).orderBy(...order).limit(pageSize).offset(offset));
    return { ...info, view: "reach_out", rows: rows.map((r) => toReachOutRow(viewer, r)) };
  }
  const rows = await openContactRows(
    tx,
    await tx
      .select({ ...base, tags: contacts.tags, source: contacts.source, assignedTo: contacts.assignedTo, assigneeName: users.name })
      .from(contacts)
      .leftJoin(users, eq(users.id, contacts.assignedTo))
      .where(where)
      .orderBy(...order)
      .limit(pageSize)
      .offset(offset),
  );
  return { ...info, view: "full", rows: rows.map((r) => toFullRow(viewer, r)) };
}

/** The campaign's tags in use, for the filter (managers only). */
export async function contactTagsInUse(tx: Transaction, viewer: ContactViewer): Promise<string[]> {
  if (contactScope(viewer) !== "full") return [];
  const rows = await tx
    .selectDistinct({ tag: sql<string>`unnest(${contacts.tags})` })
    .from(contacts)
    .where(visibleContacts(viewer))
    .orderBy(sql`1`)
    .limit(200);
  return rows.map((r) => r.tag);
}
