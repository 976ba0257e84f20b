import "server-only";
import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { contactListMembers, contactLists, contacts } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import type { Transaction } from "@/lib/db/client";
import { can } from "@/lib/tenancy/permissions";
import { NotFoundError, RuleError } from "@/lib/errors";
import { isUuid } from "@/lib/validation/ids";
import type { ContactWriteContext } from "./commands";
import { CONTACT_COUNT_CAP } from "./list-contacts";
import { contactIsVisible, contactNotFound, contactScope, visibleContacts, type ContactViewer } from "./visibility";

/** Named lists of a campaign's contacts (managers): unique names, member counts, every change in the audit log. */

export const listNameSchema = z
  .string()
  .trim()
  .min(1, "Enter a name for the list")
  .max(80, "A list name is at most 80 characters")
  // PostgreSQL text cannot hold a NUL: refused here rather than failing in the database.
  .regex(/^[^\u0000]*$/, "A list name cannot contain control characters");

/** `members` is exact when `membersExact`, else "at least" (the count stops at a cap). */
export type ContactListSummary = { id: string; name: string; members: number; membersExact: boolean; createdAt: Date };

const listNotFound = () => new NotFoundError("That list does not exist or is not available to you.");

const audit = (viewer: ContactViewer, ctx: ContactWriteContext) => ({ orgId: viewer.orgId, actor: { kind: "member" as const, id: viewer.userId }, requestId: ctx.requestId ?? null });

const requireWrite = (viewer: ContactViewer) => {
  if (!can(viewer.role, "contacts:write")) throw new RuleError("Only the campaign's admins can change lists.");
};

/**
 * The campaign's lists by name, each with how many contacts this person can see in it, counted up to `countCap` (then
 * "at least"): a list of a million members costs a bounded count, not a read of every member. Volunteers get none.
 */
export async function listContactLists(tx: Transaction, viewer: ContactViewer, options: { countCap?: number } = {}): Promise<ContactListSummary[]> {
  if (contactScope(viewer) !== "full") return [];
  const cap = options.countCap ?? CONTACT_COUNT_CAP;
  // Per list (LATERAL): at most cap + 1 visible members, then their count.
  const visibleMembers = tx
    .select({ one: sql`1`.as("one") })
    .from(contactListMembers)
    .innerJoin(contacts, eq(contacts.id, contactListMembers.contactId))
    .where(and(eq(contactListMembers.listId, contactLists.id), visibleContacts(viewer)))
    .limit(cap + 1)
    .as("visible_members");
  const counted = tx.select({ n: sql<number>`count(*)::int`.as("n") }).from(visibleMembers).as("counted");
  const rows = await tx
    .select({ id: contactLists.id, name: contactLists.name, createdAt: contactLists.createdAt, members: counted.n })
    .from(contactLists)
    .leftJoinLateral(counted, sql`true`)
    .where(eq(contactLists.orgId, viewer.orgId))
    .orderBy(asc(contactLists.name));
  return rows.map((r) => {
    const n = Number(r.members);
    return { ...r, members: Math.min(n, cap), membersExact: n <= cap };
  });
}

async function nameTaken(tx: Transaction, orgId: string, name: string, except?: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: contactLists.id })
    .from(contactLists)
    .where(and(eq(contactLists.orgId, orgId), sql`lower(${contactLists.name}) = lower(${name})`, except ? sql`${contactLists.id} <> ${except}` : undefined));
  return !!row;
}

const duplicate = (name: string) => new RuleError(`A list named "${name}" already exists. Choose another name.`);

export async function createContactList(tx: Transaction, viewer: ContactViewer, rawName: string, ctx: ContactWriteContext = {}): Promise<string> {
  requireWrite(viewer);
  const name = listNameSchema.parse(rawName);
  if (await nameTaken(tx, viewer.orgId, name)) throw duplicate(name);
  // A concurrent insert of the same name conflicts without aborting the transaction.
  const [row] = await tx.insert(contactLists).values({ orgId: viewer.orgId, name, createdBy: viewer.userId }).onConflictDoNothing().returning({ id: contactLists.id });
  if (!row) throw duplicate(name);
  await recordAuditEvent(tx, { ...audit(viewer, ctx), action: "contact_list.created" });
  return row.id;
}

async function requireList(tx: Transaction, viewer: ContactViewer, listId: string): Promise<void> {
  const [row] = isUuid(listId)
    ? await tx.select({ id: contactLists.id }).from(contactLists).where(and(eq(contactLists.orgId, viewer.orgId), eq(contactLists.id, listId)))
    : [];
  if (!row) throw listNotFound();
}

export async function renameContactList(tx: Transaction, viewer: ContactViewer, listId: string, rawName: string, ctx: ContactWriteContext = {}): Promise<void> {
  requireWrite(viewer);
  const name = listNameSchema.parse(rawName);
  await requireList(tx, viewer, listId);
  if (await nameTaken(tx, viewer.orgId, name, listId)) throw duplicate(name);
  const [row] = await tx
    .update(contactLists)
    .set({ name })
    .where(and(eq(contactLists.orgId, viewer.orgId), eq(contactLists.id, listId)))
    .returning({ id: contactLists.id });
  if (!row) throw listNotFound();
  await recordAuditEvent(tx, { ...audit(viewer, ctx), action: "contact_list.changed" });
}

/** Deletes the list; its contacts stay. */
export async function deleteContactList(tx: Transaction, viewer: ContactViewer, listId: string, ctx: ContactWriteContext = {}): Promise<void> {
  requireWrite(viewer);
  await requireList(tx, viewer, listId);
  const gone = await tx.delete(contactLists).where(and(eq(contactLists.orgId, viewer.orgId), eq(contactLists.id, listId))).returning({ id: contactLists.id });
  if (gone.length === 0) throw listNotFound();
  await recordAuditEvent(tx, { ...audit(viewer, ctx), action: "contact_list.deleted" });
}

async function requireVisibleContact(tx: Transaction, viewer: ContactViewer, contactId: string): Promise<void> {
  if (!(await contactIsVisible(tx, viewer, contactId))) throw contactNotFound();
}

/** Puts a contact on a list; false when it was already there (nothing recorded). */
export async function addToContactList(tx: Transaction, viewer: ContactViewer, listId: string, contactId: string, ctx: ContactWriteContext = {}): Promise<boolean> {
  requireWrite(viewer);
  await requireList(tx, viewer, listId);
  await requireVisibleContact(tx, viewer, contactId);
  const added = await tx.insert(contactListMembers).values({ listId, contactId, orgId: viewer.orgId }).onConflictDoNothing().returning({ id: contactListMembers.contactId });
  if (added.length === 0) return false;
  await recordAuditEvent(tx, { ...audit(viewer, ctx), action: "contact_list.changed", target: { type: "contact", id: contactId }, metadata: { added: 1 } });
  return true;
}

/** Takes a contact off a list; false when it was not on it. */
export async function removeFromContactList(tx: Transaction, viewer: ContactViewer, listId: string, contactId: string, ctx: ContactWriteContext = {}): Promise<boolean> {
  requireWrite(viewer);
  await requireList(tx, viewer, listId);
  await requireVisibleContact(tx, viewer, contactId);
  const removed = await tx
    .delete(contactListMembers)
    .where(and(eq(contactListMembers.orgId, viewer.orgId), eq(contactListMembers.listId, listId), eq(contactListMembers.contactId, contactId)))
    .returning({ id: contactListMembers.contactId });
  if (removed.length === 0) return false;
  await recordAuditEvent(tx, { ...audit(viewer, ctx), action: "contact_list.changed", target: { type: "contact", id: contactId }, metadata: { removed: 1 } });
  return true;
}
