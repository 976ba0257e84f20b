"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { assignContact, createContact, deleteContact, setContactTags, updateContact } from "@/lib/contacts/commands";
import { addToContactList, createContactList, deleteContactList, removeFromContactList } from "@/lib/contacts/lists";
import { contactViewer } from "@/lib/contacts/visibility";
import { orgAction } from "@/lib/tenancy/guards";
import { uuidSchema } from "@/lib/validation/ids";
import { contactFromForm } from "./form-input";

const contactId = uuidSchema;
/** Editing and deleting: admins for campaign contacts, anyone who syncs for their own synced ones (the lib decides which). */
const mayChange = ["contacts:write", "contacts:sync"] as const;

const contactsPath = (org: string) => `/o/${org}/contacts`;

/** Creates the contact, then (after the transaction committed) opens its page. */
export const createContactAction = orgAction("contacts:write", z.object({}).loose(), async (raw, { access, tx, requestId, afterCommit }) => {
  const assignee = uuidSchema.safeParse(raw.assignedTo);
  const id = await createContact(tx, contactViewer(access), contactFromForm(raw), { assignedTo: assignee.success ? assignee.data : null, requestId });
  afterCommit(() => redirect(`${contactsPath(access.org.slug)}/${id}?created=1`));
  return { ok: true };
});

export const updateContactAction = orgAction(mayChange, z.object({ id: contactId }).loose(), async (raw, { access, tx, requestId }) => {
  const { name, email, phone, address, notes } = contactFromForm(raw);
  const fields = await updateContact(tx, contactViewer(access), raw.id, { name, email, phone, address, notes }, { requestId });
  revalidatePath(`${contactsPath(access.org.slug)}/${raw.id}`);
  return { ok: true, message: fields.length ? "Saved." : "Nothing changed." };
});

/** Deletes for good after the confirmation box is ticked, then returns to the list. */
export const deleteContactAction = orgAction(mayChange, z.object({ id: contactId, confirm: z.string().optional() }), async (input, { access, tx, requestId, afterCommit }) => {
  if (input.confirm !== "yes") return { fieldErrors: { confirm: "Tick the box to confirm that the contact is deleted for good." } };
  await deleteContact(tx, contactViewer(access), input.id, { requestId });
  afterCommit(() => redirect(`${contactsPath(access.org.slug)}?deleted=1`));
  return { ok: true };
});

export const setContactTagsAction = orgAction("contacts:write", z.object({ id: contactId, tags: z.string().max(2000) }), async (input, { access, tx, requestId }) => {
  const tags = input.tags.split(",").map((t) => t.trim()).filter(Boolean);
  const { added, removed } = await setContactTags(tx, contactViewer(access), input.id, tags, { requestId });
  revalidatePath(`${contactsPath(access.org.slug)}/${input.id}`);
  return { ok: true, message: added || removed ? "Tags saved." : "Tags unchanged." };
});

export const assignContactAction = orgAction("contacts:write", z.object({ id: contactId, assignedTo: z.union([uuidSchema, z.literal("")]) }), async (input, { access, tx, requestId }) => {
  await assignContact(tx, contactViewer(access), input.id, input.assignedTo || null, { requestId });
  revalidatePath(`${contactsPath(access.org.slug)}/${input.id}`);
  return { ok: true, message: input.assignedTo ? "Assigned." : "Unassigned." };
});

export const addToContactListAction = orgAction("contacts:write", z.object({ id: contactId, listId: z.uuid("Choose a list") }), async (input, { access, tx, requestId }) => {
  const added = await addToContactList(tx, contactViewer(access), input.listId, input.id, { requestId });
  revalidatePath(`${contactsPath(access.org.slug)}/${input.id}`);
  return { ok: true, message: added ? "Added to the list." : "Already on that list." };
});

export const removeFromContactListAction = orgAction("contacts:write", z.object({ id: contactId, listId: uuidSchema }), async (input, { access, tx, requestId }) => {
  await removeFromContactList(tx, contactViewer(access), input.listId, input.id, { requestId });
  revalidatePath(`${contactsPath(access.org.slug)}/${input.id}`);
  return { ok: true, message: "Removed from the list." };
});

export const createContactListAction = orgAction("contacts:write", z.object({ name: z.string().max(200) }), async (input, { access, tx, requestId }) => {
  await createContactList(tx, contactViewer(access), input.name, { requestId });
  revalidatePath(`${contactsPath(access.org.slug)}/lists`);
  return { ok: true, message: "List created." };
});

export const deleteContactListAction = orgAction("contacts:write", z.object({ listId: uuidSchema }), async (input, { access, tx, requestId }) => {
  await deleteContactList(tx, contactViewer(access), input.listId, { requestId });
  revalidatePath(`${contactsPath(access.org.slug)}/lists`);
  return { ok: true, message: "List deleted; its contacts are still there." };
});
