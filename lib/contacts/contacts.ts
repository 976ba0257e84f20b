import "server-only";
import { and, arrayContains, desc, eq, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { contactListMembers, contactLists, contactNameTokens, contacts, memberships, users, type Contact, type ContactAddress, type ContactSource } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { blindIndexer, NormalizationError, type Opened } from "@/lib/crypto";
import type { Transaction } from "@/lib/db/client";
import type { OrgAccess } from "@/lib/tenancy/access";
import { can, type AccessRole } from "@/lib/tenancy/permissions";
import { nameTokenizer } from "./name-tokens";
import { sealedContacts } from "./sealed";
import { contactInputSchema, insertContacts, tagSchema, tagsSchema, updateContactFields, deleteContactRows, type ContactInput } from "./store";
import { NotFoundError, RuleError } from "@/lib/errors";

/**
 * Contacts as people see them (wall 2): managers the campaign's contacts in full; volunteers only what is assigned
 * to them or what they synced, and only the fields they need to reach out. Every query also filters explicitly,
 * although row-level security (wall 3) would hide the same rows.
 */

export type ContactViewer = { orgId: string; userId: string; role: AccessRole };
export const contactViewer = (access: OrgAccess): ContactViewer => ({ orgId: access.org.id, userId: access.userId, role: access.role });

/** "full": owners, admins, support staff; "reach_out": volunteers; null: nothing. */
export type ContactScope = "full" | "reach_out";
export function contactScope(viewer: ContactViewer): ContactScope | null {
  if (can(viewer.role, "contacts:read")) return "full";
  if (can(viewer.role, "contacts:read_assigned")) return "reach_out";
  return null;
}

/** Not there, or not visible to this person: the same answer either way. */
export class ContactNotFoundError extends NotFoundError {
  constructor() {
    super("That contact does not exist or is not available to you.");
    this.name = "ContactNotFoundError";
  }
}

/** A refusal the person may read as-is. */
export class ContactRuleError extends RuleError {
  constructor(message: string) {
    super(message);
    this.name = "ContactRuleError";
  }
}

const uuid = z.uuid();
export const isUuid = (value: string) => uuid.safeParse(value).success;

/** Rows this viewer may see, written out in SQL as well as enforced by RLS. */
export function visibleContacts(viewer: ContactViewer, scope: ContactScope): SQL {
  const inOrg = eq(contacts.orgId, viewer.orgId);
  if (scope === "reach_out") return and(inOrg, or(eq(contacts.assignedTo, viewer.userId), eq(contacts.syncedBy, viewer.userId)))!;
  // Someone else's synced contact only once they completed a report on it (the design's promise to volunteers).
  return and(
    inOrg,
    or(
      isNull(contacts.syncedBy),
      eq(contacts.syncedBy, viewer.userId),
      sql`exists (select 1 from reports r where r.contact_id = ${contacts.id} and r.filed_by = ${contacts.syncedBy} and r.completed_at is not null)`,
    ),
  )!;
}

/** Notes are the campaign's (managers) or the syncing member's own; nobody else's notes leave the database. */
export function notesColumn(viewer: ContactViewer, scope: ContactScope) {
  const allowed = scope === "full" ? sql`${contacts.syncedBy} is null or ${contacts.syncedBy} = ${viewer.userId}` : sql`${contacts.syncedBy} = ${viewer.userId}`;
  return sql`case when ${allowed} then ${contacts.notes} end`.mapWith(contacts.notes);
}

/** Decrypts only the sealed columns a partial row carries (its id and orgId must be there). */
async function openRows<R extends { id: string; orgId: string }>(tx: Transaction, rows: R[]): Promise<Opened<R>[]> {
  return (await sealedContacts.openAll(tx, rows as unknown as Contact[])) as unknown as Opened<R>[];
}

type ReachOutFields = {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  address: ContactAddress | null;
  /** Synced from this person's own address book: theirs to change or delete. */
  syncedByMe: boolean;
  createdAt: Date;
};

/** A volunteer's view: reach-out fields only. */
export type ReachOutContactRow = ReachOutFields & { view: "reach_out" };
/** A manager's view of one row. */
export type FullContactRow = ReachOutFields & {
  view: "full";
  tags: string[];
  assignee: { id: string; name: string | null } | null;
  source: ContactSource;
  /** From a member's address book (visible after their completed report). */
  synced: boolean;
};

export type ContactSearchKind = "email" | "phone" | "name";

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

/** How a search box query is read: an email, a phone number (4+ digits and separators), or name words. */
export function classifySearch(q: string): ContactSearchKind {
  if (q.includes("@")) return "email";
  if (/^\+?[\d\s().\-/]+$/.test(q) && (q.match(/\d/g)?.length ?? 0) >= 4) return "phone";
  return "name";
}

/** The condition for a search, or null when the query cannot match anything (a malformed email, a name of punctuation). */
async function searchCondition(tx: Transaction, orgId: string, q: string, kind: ContactSearchKind): Promise<SQL | null> {
  if (kind === "name") {
    const tokens = (await nameTokenizer(tx, orgId)).forQuery(q);
    if (tokens.length === 0) return null;
    // Every query word must match one of the contact's name prefixes.
    const matching = tx
      .select({ id: contactNameTokens.contactId })
      .from(contactNameTokens)
      .where(and(eq(contactNameTokens.orgId, orgId), inArray(contactNameTokens.token, tokens)))
      .groupBy(contactNameTokens.contactId)
      .having(sql`count(distinct ${contactNameTokens.token}) = ${tokens.length}`);
    return inArray(contacts.id, matching);
  }
  const index = await blindIndexer(tx, orgId);
  try {
    return kind === "email" ? eq(contacts.emailIndex, index("email", q)) : eq(contacts.phoneIndex, index("phone", q));
  } catch (err) {
    if (err instanceof NormalizationError) return null;
    throw err;
  }
}

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

  const conditions: SQL[] = [visibleContacts(viewer, scope)];
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
  const base = { id: contacts.id, orgId: contacts.orgId, name: contacts.name, email: contacts.email, phone: contacts.phone, address: contacts.address, syncedBy: contacts.syncedBy, createdAt: contacts.createdAt };
  const order = [desc(contacts.createdAt), desc(contacts.id)];

  if (scope === "reach_out") {
    const rows = await openRows(tx, await tx.select(base).from(contacts).where(where).orderBy(...order).limit(pageSize).offset(offset));
    return { ...info, view: "reach_out", rows: rows.map((r) => reachOut(viewer, r)) };
  }
  const rows = await openRows(
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
  return { ...info, view: "full", rows: rows.map((r) => full(viewer, r)) };
}

type OpenedBase = { id: string; name: string; email: string | null; phone: string | null; address: ContactAddress | null; syncedBy: string | null; createdAt: Date };

function reachOut(viewer: ContactViewer, r: OpenedBase): ReachOutContactRow {
  return { view: "reach_out", id: r.id, name: r.name, email: r.email, phone: r.phone, address: r.address, syncedByMe: r.syncedBy === viewer.userId, createdAt: r.createdAt };
}

function full(
  viewer: ContactViewer,
  r: OpenedBase & { tags: string[]; source: ContactSource; assignedTo: string | null; assigneeName: string | null },
): FullContactRow {
  return {
    ...reachOut(viewer, r),
    view: "full",
    tags: r.tags,
    source: r.source,
    synced: r.syncedBy !== null,
    assignee: r.assignedTo ? { id: r.assignedTo, name: r.assigneeName } : null,
  };
}

/** One contact for its page: volunteers get reach-out fields (and notes on what they synced). */
export type ReachOutContact = ReachOutContactRow & { notes: string | null; canEdit: boolean };
export type FullContact = FullContactRow & {
  notes: string | null;
  updatedAt: Date;
  lists: { id: string; name: string }[];
  /** Campaign contacts for managers, one's own synced contacts for anyone. */
  canEdit: boolean;
};
export type ContactDetail = FullContact | ReachOutContact;

const mayEdit = (viewer: ContactViewer, syncedBy: string | null) => syncedBy === viewer.userId || (syncedBy === null && can(viewer.role, "contacts:write"));

/** Whether this person may see the contact, without decrypting anything. */
export async function contactIsVisible(tx: Transaction, viewer: ContactViewer, id: string): Promise<boolean> {
  const scope = contactScope(viewer);
  if (!scope || !isUuid(id)) return false;
  const [row] = await tx.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.id, id), visibleContacts(viewer, scope)));
  return row !== undefined;
}

/** The contact with this id if this person may see it, else null (a page then answers 404). */
export async function getContact(tx: Transaction, viewer: ContactViewer, id: string): Promise<ContactDetail | null> {
  const scope = contactScope(viewer);
  if (!scope || !isUuid(id)) return null;
  const where = and(eq(contacts.id, id), visibleContacts(viewer, scope));
  const base = {
    id: contacts.id,
    orgId: contacts.orgId,
    name: contacts.name,
    email: contacts.email,
    phone: contacts.phone,
    address: contacts.address,
    notes: notesColumn(viewer, scope),
    syncedBy: contacts.syncedBy,
    createdAt: contacts.createdAt,
  };
  if (scope === "reach_out") {
    const [row] = await openRows(tx, await tx.select(base).from(contacts).where(where));
    if (!row) return null;
    return { ...reachOut(viewer, row), notes: row.notes ?? null, canEdit: mayEdit(viewer, row.syncedBy) };
  }
  const [row] = await openRows(
    tx,
    await tx
      .select({ ...base, tags: contacts.tags, source: contacts.source, assignedTo: contacts.assignedTo, assigneeName: users.name, updatedAt: contacts.updatedAt })
      .from(contacts)
      .leftJoin(users, eq(users.id, contacts.assignedTo))
      .where(where),
  );
  if (!row) return null;
  const lists = await tx
    .select({ id: contactLists.id, name: contactLists.name })
    .from(contactListMembers)
    .innerJoin(contactLists, eq(contactLists.id, contactListMembers.listId))
    .where(and(eq(contactListMembers.orgId, viewer.orgId), eq(contactListMembers.contactId, id)))
    .orderBy(contactLists.name);
  return { ...full(viewer, row), notes: row.notes ?? null, updatedAt: row.updatedAt, lists, canEdit: mayEdit(viewer, row.syncedBy) };
}

export type ContactWriteContext = { requestId?: string | null };

const audit = (viewer: ContactViewer, ctx: ContactWriteContext) => ({
  orgId: viewer.orgId,
  actor: { kind: "member" as const, id: viewer.userId },
  requestId: ctx.requestId ?? null,
});

/** The contact row behind a change, after the visibility and edit rules; throws when either refuses. */
async function loadWritable(tx: Transaction, viewer: ContactViewer, id: string) {
  const scope = contactScope(viewer);
  if (!scope || !isUuid(id)) throw new ContactNotFoundError();
  const [row] = await tx
    .select({ id: contacts.id, syncedBy: contacts.syncedBy, assignedTo: contacts.assignedTo, tags: contacts.tags })
    .from(contacts)
    .where(and(eq(contacts.id, id), visibleContacts(viewer, scope)));
  if (!row) throw new ContactNotFoundError();
  if (!mayEdit(viewer, row.syncedBy))
    throw new ContactRuleError(
      row.syncedBy === null ? "Only the campaign's admins can change this contact." : "This contact came from a member's own address book: only they can change it.",
    );
  return row;
}

const requireWrite = (viewer: ContactViewer, what: string) => {
  if (!can(viewer.role, "contacts:write")) throw new ContactRuleError(`Only the campaign's admins can ${what}.`);
};

/** An active member of this campaign (assignment targets). */
async function requireActiveMember(tx: Transaction, orgId: string, userId: string): Promise<void> {
  const [m] = isUuid(userId)
    ? await tx
        .select({ userId: memberships.userId })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId), isNull(memberships.disabledAt)))
    : [];
  if (!m) throw new ContactRuleError("That person is not a member of this campaign.");
}

/** A contact an admin types in; returns its id. */
export async function createContact(
  tx: Transaction,
  viewer: ContactViewer,
  input: ContactInput,
  options: { assignedTo?: string | null } & ContactWriteContext = {},
): Promise<string> {
  requireWrite(viewer, "add contacts");
  const values = contactInputSchema.parse(input);
  const assignedTo = options.assignedTo || null;
  if (assignedTo) await requireActiveMember(tx, viewer.orgId, assignedTo);
  const [id] = await insertContacts(tx, viewer.orgId, [values], { source: "manual", createdBy: viewer.userId, assignedTo });
  const target = { type: "contact" as const, id: id! };
  await recordAuditEvent(tx, { ...audit(viewer, options), action: "contact.created", target, metadata: { source: "manual" } });
  if (assignedTo) await recordAuditEvent(tx, { ...audit(viewer, options), action: "contact.assigned", target });
  return id!;
}

/** The fields an edit form sets (tags and assignment have their own changes). */
export const contactEditSchema = contactInputSchema.omit({ tags: true });
export type ContactEdit = z.input<typeof contactEditSchema>;
const editFields = ["name", "email", "phone", "address", "notes"] as const;

/** Replaces the editable fields; writes and records only those that changed; returns their names. */
export async function updateContact(tx: Transaction, viewer: ContactViewer, id: string, input: ContactEdit, ctx: ContactWriteContext = {}): Promise<string[]> {
  const values = contactEditSchema.parse(input);
  await loadWritable(tx, viewer, id);
  const [current] = await openRows(
    tx,
    await tx
      .select({ id: contacts.id, orgId: contacts.orgId, name: contacts.name, email: contacts.email, phone: contacts.phone, address: contacts.address, notes: contacts.notes })
      .from(contacts)
      .where(and(eq(contacts.orgId, viewer.orgId), eq(contacts.id, id))),
  );
  if (!current) throw new ContactNotFoundError();
  const changed = editFields.filter((f) => JSON.stringify(current[f] ?? null) !== JSON.stringify(values[f] ?? null));
  if (changed.length === 0) return [];
  const written = await updateContactFields(tx, viewer.orgId, id, Object.fromEntries(changed.map((f) => [f, values[f]])));
  if (written === null) throw new ContactNotFoundError();
  await recordAuditEvent(tx, { ...audit(viewer, ctx), action: "contact.updated", target: { type: "contact", id }, metadata: { fields: written } });
  return written;
}

/** Deletes the contact for good (name tokens, list entries and reports go with it). */
export async function deleteContact(tx: Transaction, viewer: ContactViewer, id: string, ctx: ContactWriteContext = {}): Promise<void> {
  await loadWritable(tx, viewer, id);
  const gone = await deleteContactRows(tx, viewer.orgId, [id]);
  if (gone.length === 0) throw new ContactNotFoundError();
  await recordAuditEvent(tx, { ...audit(viewer, ctx), action: "contact.deleted", target: { type: "contact", id } });
}

/** Replaces the contact's tags; returns how many were added and removed. */
export async function setContactTags(
  tx: Transaction,
  viewer: ContactViewer,
  id: string,
  tags: readonly string[],
  ctx: ContactWriteContext = {},
): Promise<{ added: number; removed: number }> {
  requireWrite(viewer, "tag contacts");
  const next = tagsSchema.parse(tags);
  const row = await loadWritable(tx, viewer, id);
  const added = next.filter((t) => !row.tags.includes(t)).length;
  const removed = row.tags.filter((t) => !next.includes(t)).length;
  if (added === 0 && removed === 0) return { added, removed };
  if ((await updateContactFields(tx, viewer.orgId, id, { tags: next })) === null) throw new ContactNotFoundError();
  await recordAuditEvent(tx, { ...audit(viewer, ctx), action: "contact.tags_changed", target: { type: "contact", id }, metadata: { added, removed } });
  return { added, removed };
}

/** Gives a campaign contact to a member of the campaign (null: nobody). Synced contacts stay with whoever synced them. */
export async function assignContact(tx: Transaction, viewer: ContactViewer, id: string, assigneeId: string | null, ctx: ContactWriteContext = {}): Promise<void> {
  requireWrite(viewer, "assign contacts");
  const row = await loadWritable(tx, viewer, id);
  if (row.syncedBy !== null) throw new ContactRuleError("A contact from someone's own address book cannot be assigned.");
  if (assigneeId) await requireActiveMember(tx, viewer.orgId, assigneeId);
  if ((row.assignedTo ?? null) === (assigneeId ?? null)) return;
  const changed = await tx
    .update(contacts)
    .set({ assignedTo: assigneeId, updatedAt: new Date() })
    .where(and(eq(contacts.orgId, viewer.orgId), eq(contacts.id, id)))
    .returning({ id: contacts.id });
  if (changed.length === 0) throw new ContactNotFoundError();
  await recordAuditEvent(tx, {
    ...audit(viewer, ctx),
    action: "contact.assigned",
    target: { type: "contact", id },
    metadata: assigneeId ? {} : { unassigned: true },
  });
}

/** Active members a contact can be assigned to, by name (managers' select). */
export async function assignableMembers(tx: Transaction, viewer: ContactViewer): Promise<{ id: string; name: string; role: string }[]> {
  if (contactScope(viewer) !== "full") return [];
  return tx
    .select({ id: memberships.userId, name: users.name, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, viewer.orgId), isNull(memberships.disabledAt)))
    .orderBy(users.name);
}

/** The campaign's tags in use, for the filter (managers only). */
export async function contactTagsInUse(tx: Transaction, viewer: ContactViewer): Promise<string[]> {
  if (contactScope(viewer) !== "full") return [];
  const rows = await tx
    .selectDistinct({ tag: sql<string>`unnest(${contacts.tags})` })
    .from(contacts)
    .where(visibleContacts(viewer, "full"))
    .orderBy(sql`1`)
    .limit(200);
  return rows.map((r) => r.tag);
}
