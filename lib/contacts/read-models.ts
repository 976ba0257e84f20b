import "server-only";
import { contacts, type Contact, type ContactSource } from "@/db/schema";
import { can } from "@/lib/tenancy/permissions";
import { contactCardColumns, openContacts, type OpenedContact as OpenedRow } from "./sealed";
import type { ContactViewer } from "./visibility";

/** The columns every contact read starts from: the row's place (id, campaign) and its sealed reach-out fields. */
export const contactReachOutColumns = { id: contacts.id, orgId: contacts.orgId, ...contactCardColumns };

/** How contacts leave lib/contacts: a volunteer's reach-out view or a manager's full view, decrypted. */

type OpenedContact = OpenedRow<Contact>;

/** The columns both views read. */
export type ContactBaseColumns = Pick<OpenedContact, "id" | "name" | "email" | "phone" | "address" | "syncedBy" | "createdAt">;
/** The columns a manager's row adds, and the assignee's name. */
export type ContactFullColumns = ContactBaseColumns & Pick<OpenedContact, "tags" | "source" | "assignedTo"> & { assigneeName: string | null };

type ReachOutFields = Pick<OpenedContact, "id" | "name" | "email" | "phone" | "address" | "createdAt"> & {
  /** Synced from this person's own address book: theirs to change or delete. */
  syncedByMe: boolean;
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

/** Decrypts only the sealed columns a partial row carries (its id and orgId must be there). */
export const openContactRows = openContacts;

export function toReachOutRow(viewer: ContactViewer, r: ContactBaseColumns): ReachOutContactRow {
  return { view: "reach_out", id: r.id, name: r.name, email: r.email, phone: r.phone, address: r.address, syncedByMe: r.syncedBy === viewer.userId, createdAt: r.createdAt };
}

export function toFullRow(viewer: ContactViewer, r: ContactFullColumns): FullContactRow {
  return {
    ...toReachOutRow(viewer, r),
    view: "full",
    tags: r.tags,
    source: r.source,
    synced: r.syncedBy !== null,
    assignee: r.assignedTo ? { id: r.assignedTo, name: r.assigneeName } : null,
  };
}

/** Who may change a contact: its syncer, or for a campaign contact whoever writes contacts. */
export const mayEditContact = (viewer: ContactViewer, syncedBy: string | null) => syncedBy === viewer.userId || (syncedBy === null && can(viewer.role, "contacts:write"));
