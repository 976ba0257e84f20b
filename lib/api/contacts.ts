import "server-only";
import type { Transaction } from "@/lib/db";
import { getContact } from "@/lib/contacts/get-contact";
import { contactNotFound, type ContactViewer } from "@/lib/contacts/visibility";

export { createContact } from "@/lib/contacts/commands";

/** One contact as the page shows it to this viewer; invisible and absent alike are 404. */
export async function getContactForApi(tx: Transaction, viewer: ContactViewer, id: string) {
  const contact = await getContact(tx, viewer, id);
  if (!contact) throw contactNotFound();
  return contact;
}
