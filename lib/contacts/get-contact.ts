import "server-only";
import { and, eq } from "drizzle-orm";
import { contactListMembers, contactLists, contacts, users } from "@/db/schema";
import type { Transaction } from "@/lib/db/client";
import { isUuid } from "@/lib/validation/ids";
import { contactReachOutColumns, mayEditContact, openContactRows, toFullRow, toReachOutRow, type ContactDetail } from "./read-models";
import { contactScope, notesColumn, visibleContacts, type ContactViewer } from "./visibility";

/** The contact with this id if this person may see it, else null (a page then answers 404). */
export async function getContact(tx: Transaction, viewer: ContactViewer, id: string): Promise<ContactDetail | null> {
  const scope = contactScope(viewer);
  if (!scope || !isUuid(id)) return null;
  const where = and(eq(contacts.id, id), visibleContacts(viewer));
  const base = {
    ...contactReachOutColumns,
    notes: notesColumn(viewer),
    syncedBy: contacts.syncedBy,
    createdAt: contacts.createdAt,
  };
  if (scope === "reach_out") {
    const [row] = await openContactRows(tx, await tx.select(base).from(contacts).where(where));
    if (!row) return null;
    return { ...toReachOutRow(viewer, row), notes: row.notes ?? null, canEdit: mayEditContact(viewer, row.syncedBy) };
  }
  const [row] = await openContactRows(
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
  return { ...toFullRow(viewer, row), notes: row.notes ?? null, updatedAt: row.updatedAt, lists, canEdit: mayEditContact(viewer, row.syncedBy) };
}
