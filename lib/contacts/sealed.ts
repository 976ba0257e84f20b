import "server-only";
import { actions, contacts, reports, type Contact } from "@/db/schema";
import type { Opened } from "@/lib/crypto";
import { sealedTable } from "@/lib/crypto/sealed";
import type { Transaction } from "@/lib/db/client";

/** The workspace's sealed tables (registered in lib/crypto/sealed-tables.ts for rotation and the GnuPG export). */

/** A contact's reach-out fields are sealed together in contacts.card: one message per row for a page to open. */
export const sealedContacts = sealedTable(contacts, { id: "id", orgId: "orgId", group: { into: "card", members: ["name", "email", "phone", "address"] } });
export const sealedActions = sealedTable(actions, { id: "id", orgId: "orgId" });
export const sealedReports = sealedTable(reports, { id: "id", orgId: "orgId" });

/** The card and the per-column fields of rows written before it: select these to read any reach-out field. */
export const contactCardColumns = { card: contacts.card, name: contacts.name, email: contacts.email, phone: contacts.phone, address: contacts.address };

/** A contact row as read, opened: the card's fields in place of the card, a name whenever the row selected it. */
export type OpenedContact<R> = Omit<Opened<R>, "card" | "name"> & ("name" extends keyof R ? { name: string } : unknown);

/** Decrypts the sealed columns a partial row carries (its id and orgId must be there; the card with any of its fields). */
export async function openContacts<R extends Pick<Contact, "id" | "orgId">>(tx: Transaction, rows: R[]): Promise<OpenedContact<R>[]> {
  return (await sealedContacts.openAll(tx, rows as unknown as Contact[])) as unknown as OpenedContact<R>[];
}
