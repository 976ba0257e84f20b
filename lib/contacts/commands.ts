import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { contacts } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import type { Transaction } from "@/lib/db/client";
import { RuleError } from "@/lib/errors";
import { can } from "@/lib/tenancy/permissions";
import { isUuid } from "@/lib/validation/ids";
import { requireAssignableMember } from "./assignees";
import { contactEditSchema, contactInputSchema, tagsSchema, type ContactEdit, type ContactInput } from "./input";
import { contactReachOutColumns, mayEditContact, openContactRows } from "./read-models";
import { contactNotFound, visibleContacts, type ContactViewer } from "./visibility";
import { deleteContactRows, insertContacts, updateContactFields } from "./write-rows";

/** Changes people make to contacts, each after the visibility and edit rules, each recorded in the audit log. */

export type ContactWriteContext = { requestId?: string | null };

const audit = (viewer: ContactViewer, ctx: ContactWriteContext) => ({
  orgId: viewer.orgId,
  actor: { kind: "member" as const, id: viewer.userId },
  requestId: ctx.requestId ?? null,
});

/** The contact row behind a change, after the visibility and edit rules; throws when either refuses. */
async function loadWritable(tx: Transaction, viewer: ContactViewer, id: string) {
  if (!isUuid(id)) throw contactNotFound();
  const [row] = await tx
    .select({ id: contacts.id, syncedBy: contacts.syncedBy, assignedTo: contacts.assignedTo, tags: contacts.tags })
    .from(contacts)
    .where(and(eq(contacts.id, id), visibleContacts(viewer)));
  if (!row) throw contactNotFound();
  if (!mayEditContact(viewer, row.syncedBy))
    throw new RuleError(
      row.syncedBy === null ? "Only the campaign's admins can change this contact." : "This contact came from a member's own address book: only they can change it.",
    );
  return row;
}

const requireWrite = (viewer: ContactViewer, what: string) => {
  if (!can(viewer.role, "contacts:write")) throw new RuleError(`Only the campaign's admins can ${what}.`);
};

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
  if (assignedTo) await requireAssignableMember(tx, viewer.orgId, assignedTo);
  const [id] = await insertContacts(tx, viewer.orgId, [values], { source: "manual", createdBy: viewer.userId, assignedTo });
  const target = { type: "contact" as const, id: id! };
  await recordAuditEvent(tx, { ...audit(viewer, options), action: "contact.created", target, metadata: { source: "manual" } });
  if (assignedTo) await recordAuditEvent(tx, { ...audit(viewer, options), action: "contact.assigned", target });
  return id!;
}

const editFields = ["name", "email", "phone", "address", "notes"] as const;

/** Replaces the editable fields; writes and records only those that changed; returns their names. */
export async function updateContact(tx: Transaction, viewer: ContactViewer, id: string, input: ContactEdit, ctx: ContactWriteContext = {}): Promise<string[]> {
  const values = contactEditSchema.parse(input);
  await loadWritable(tx, viewer, id);
  const [current] = await openContactRows(
    tx,
    await tx
      .select({ ...contactReachOutColumns, notes: contacts.notes })
      .from(contacts)
      .where(and(eq(contacts.orgId, viewer.orgId), eq(contacts.id, id))),
  );
  if (!current) throw contactNotFound();
  const changed = editFields.filter((f) => JSON.stringify(current[f] ?? null) !== JSON.stringify(values[f] ?? null));
  if (changed.length === 0) return [];
  const written = await updateContactFields(tx, viewer.orgId, id, Object.fromEntries(changed.map((f) => [f, values[f]])));
  if (written === null) throw contactNotFound();
  await recordAuditEvent(tx, { ...audit(viewer, ctx), action: "contact.updated", target: { type: "contact", id }, metadata: { fields: written } });
  return written;
}

/** Deletes the contact for good (name tokens, list entries and reports go with it). */
export async function deleteContact(tx: Transaction, viewer: ContactViewer, id: string, ctx: ContactWriteContext = {}): Promise<void> {
  await loadWritable(tx, viewer, id);
  const gone = await deleteContactRows(tx, viewer.orgId, [id]);
  if (gone.length === 0) throw contactNotFound();
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
  if ((await updateContactFields(tx, viewer.orgId, id, { tags: next })) === null) throw contactNotFound();
  await recordAuditEvent(tx, { ...audit(viewer, ctx), action: "contact.tags_changed", target: { type: "contact", id }, metadata: { added, removed } });
  return { added, removed };
}

/** Gives a campaign contact to a member of the campaign (null: nobody). Synced contacts stay with whoever synced them. */
export async function assignContact(tx: Transaction, viewer: ContactViewer, id: string, assigneeId: string | null, ctx: ContactWriteContext = {}): Promise<void> {
  requireWrite(viewer, "assign contacts");
  const row = await loadWritable(tx, viewer, id);
  if (row.syncedBy !== null) throw new RuleError("A contact from someone's own address book cannot be assigned.");
  if (assigneeId) await requireAssignableMember(tx, viewer.orgId, assigneeId);
  if ((row.assignedTo ?? null) === (assigneeId ?? null)) return;
  const changed = await tx
    .update(contacts)
    .set({ assignedTo: assigneeId, updatedAt: new Date() })
    .where(and(eq(contacts.orgId, viewer.orgId), eq(contacts.id, id)))
    .returning({ id: contacts.id });
  if (changed.length === 0) throw contactNotFound();
  await recordAuditEvent(tx, {
    ...audit(viewer, ctx),
    action: "contact.assigned",
    target: { type: "contact", id },
    metadata: assigneeId ? {} : { unassigned: true },
  });
}

/** A contact's id in another system (a VAN ID…), set by hand; an integration sends outcomes only for contacts that have one. */
export const externalIdSchema = z
  .string()
  .trim()
  .max(64, "An external id is at most 64 characters")
  .regex(/^[A-Za-z0-9_-]*$/, "Use the id exactly as the other system shows it: letters, digits, '-' or '_'")
  .transform((v) => (v === "" ? null : v));

export async function setContactExternalId(tx: Transaction, viewer: ContactViewer, id: string, externalId: string | null, ctx: ContactWriteContext = {}): Promise<boolean> {
  requireWrite(viewer, "set external ids");
  await loadWritable(tx, viewer, id);
  const changed = await tx
    .update(contacts)
    .set({ externalId, updatedAt: new Date() })
    .where(and(eq(contacts.orgId, viewer.orgId), eq(contacts.id, id), sql`${contacts.externalId} is distinct from ${externalId}`))
    .returning({ id: contacts.id });
  if (changed.length === 0) return false;
  await recordAuditEvent(tx, { ...audit(viewer, ctx), action: "contact.updated", target: { type: "contact", id }, metadata: { fields: ["externalId"] } });
  return true;
}
