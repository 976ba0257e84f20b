import "server-only";
import { and, eq, isNull, or, sql, type SQL } from "drizzle-orm";
import { contacts } from "@/db/schema";
import type { Transaction } from "@/lib/db/client";
import type { OrgAccess } from "@/lib/tenancy/access";
import { can, type AccessRole } from "@/lib/tenancy/permissions";
import { NotFoundError } from "@/lib/errors";
import { isUuid } from "@/lib/validation/ids";

/**
 * Which contacts a person sees (wall 2), written once: every TypeScript query of contacts filters with
 * `visibleContacts`, and the contacts_read policy (wall 3) states the same rule in SQL.
 */

export type ContactViewer = { orgId: string; userId: string; role: AccessRole };
export const contactViewer = (access: Pick<OrgAccess, "org" | "userId" | "role">): ContactViewer => ({ orgId: access.org.id, userId: access.userId, role: access.role });

/** "full": owners, admins, support staff; "reach_out": volunteers; null: nothing. */
export type ContactScope = "full" | "reach_out";
export function contactScope(viewer: ContactViewer): ContactScope | null {
  if (can(viewer.role, "contacts:read")) return "full";
  if (can(viewer.role, "contacts:read_assigned")) return "reach_out";
  return null;
}

/**
 * The campaign's contacts: nobody synced them, or the member who synced one completed a report on it (the SQL
 * function is the one RLS calls, so the report rule is not written twice). Only these become an action's targets.
 */
const sharedWithCampaign = (): SQL => or(isNull(contacts.syncedBy), sql`app_synced_contact_reported(${contacts.id}, ${contacts.syncedBy})`)!;
export const campaignContacts = (orgId: string): SQL => and(eq(contacts.orgId, orgId), sharedWithCampaign())!;

/**
 * The one contact rule (the contacts_read policy of migration 0015 states it for RLS): everyone sees what they
 * synced themselves; managers and support staff see the campaign's contacts; a volunteer sees those of the
 * campaign's contacts assigned to them. An unreported synced contact reaches nobody but its syncer, assigned or not.
 */
export function visibleContacts(viewer: ContactViewer): SQL {
  const scope = contactScope(viewer);
  if (!scope) return sql`false`;
  const mine = eq(contacts.syncedBy, viewer.userId);
  const campaignPart = scope === "full" ? sharedWithCampaign() : and(eq(contacts.assignedTo, viewer.userId), sharedWithCampaign());
  return and(eq(contacts.orgId, viewer.orgId), or(mine, campaignPart))!;
}

/** Notes are the campaign's (managers) or the syncing member's own; nobody else's notes leave the database. */
export function notesColumn(viewer: ContactViewer) {
  const own = eq(contacts.syncedBy, viewer.userId);
  const allowed = contactScope(viewer) === "full" ? or(isNull(contacts.syncedBy), own) : own;
  return sql`case when ${allowed} then ${contacts.notes} end`.mapWith(contacts.notes);
}

/** Not there, or not visible to this person: the same answer either way. */
export const contactNotFound = () => new NotFoundError("That contact does not exist or is not available to you.");

/** Whether this person may see the contact, without decrypting anything. */
export async function contactIsVisible(tx: Transaction, viewer: ContactViewer, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const [row] = await tx.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.id, id), visibleContacts(viewer)));
  return row !== undefined;
}
