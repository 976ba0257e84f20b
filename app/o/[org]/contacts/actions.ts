"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { assignContact, contactViewer, createContact, deleteContact, setContactTags, updateContact } from "@/lib/contacts/contacts";
import { addToContactList, createContactList, deleteContactList, removeFromContactList } from "@/lib/contacts/lists";
import { sessionAction } from "@/lib/http/action";
import { decide, orgAction } from "@/lib/tenancy/next";
import { contactErrors, contactFromForm } from "./form-input";

const slug = z.string().max(64);
const contactId = z.uuid();
const unavailable = { message: "This campaign is not available to you." };
/** Editing and deleting: admins for campaign contacts, anyone who syncs for their own synced ones (the lib decides which). */
const mayChange = ["contacts:write", "contacts:sync"] as const;

const contactsPath = (org: string) => `/o/${org}/contacts`;

/** Creates the contact, then (after the transaction committed) opens its page. */
export const createContactAction = sessionAction(z.object({ org: slug }).loose(), async (raw, { session, requestId }) => {
  const decision = await decide(session, raw.org, "contacts:write");
  if (!decision.ok) return unavailable;
  const { access } = decision;
  const assignee = z.uuid().safeParse(raw.assignedTo);
  let id: string | undefined;
  const result = await contactErrors(async () => {
    id = await access.run((tx) => createContact(tx, contactViewer(access), contactFromForm(raw), { assignedTo: assignee.success ? assignee.data : null, requestId }));
    return { ok: true };
  });
  if (!id) return result;
  redirect(`${contactsPath(access.org.slug)}/${id}?created=1`);
});

export const updateContactAction = orgAction(mayChange, z.object({ id: contactId }).loose(), async (raw, { access, tx, requestId }) =>
  contactErrors(async () => {
    const { name, email, phone, address, notes } = contactFromForm(raw);
    const fields = await updateContact(tx, contactViewer(access), raw.id, { name, email, phone, address, notes }, { requestId });
    revalidatePath(`${contactsPath(access.org.slug)}/${raw.id}`);
    return { ok: true, message: fields.length ? "Saved." : "Nothing changed." };
  }),
);

/** Deletes for good after the confirmation box is ticked, then returns to the list. */
export const deleteContactAction = sessionAction(z.object({ org: slug, id: contactId, confirm: z.string().optional() }), async (input, { session, requestId }) => {
  const decision = await decide(session, input.org, [...mayChange]);
  if (!decision.ok) return unavailable;
  if (input.confirm !== "yes") return { fieldErrors: { confirm: "Tick the box to confirm that the contact is deleted for good." } };
  const { access } = decision;
  const result = await contactErrors(async () => {
    await access.run((tx) => deleteContact(tx, contactViewer(access), input.id, { requestId }));
    return { ok: true };
  });
  if (!result.ok) return result;
  redirect(`${contactsPath(access.org.slug)}?deleted=1`);
});

export const setTagsAction = orgAction("contacts:write", z.object({ id: contactId, tags: z.string().max(2000) }), async (input, { access, tx, requestId }) =>
  contactErrors(async () => {
    const tags = input.tags.split(",").map((t) => t.trim()).filter(Boolean);
    const { added, removed } = await setContactTags(tx, contactViewer(access), input.id, tags, { requestId });
    revalidatePath(`${contactsPath(access.org.slug)}/${input.id}`);
    return { ok: true, message: added || removed ? "Tags saved." : "Tags unchanged." };
  }),
);

export const assignAction = orgAction("contacts:write", z.object({ id: contactId, assignedTo: z.union([z.uuid(), z.literal("")]) }), async (input, { access, tx, requestId }) =>
  contactErrors(async () => {
    await assignContact(tx, contactViewer(access), input.id, input.assignedTo || null, { requestId });
    revalidatePath(`${contactsPath(access.org.slug)}/${input.id}`);
    return { ok: true, message: input.assignedTo ? "Assigned." : "Unassigned." };
  }),
);

export const addToListAction = orgAction("contacts:write", z.object({ id: contactId, listId: z.uuid("Choose a list") }), async (input, { access, tx, requestId }) =>
  contactErrors(async () => {
    const added = await addToContactList(tx, contactViewer(access), input.listId, input.id, { requestId });
    revalidatePath(`${contactsPath(access.org.slug)}/${input.id}`);
    return { ok: true, message: added ? "Added to the list." : "Already on that list." };
  }),
);

export const removeFromListAction = orgAction("contacts:write", z.object({ id: contactId, listId: z.uuid() }), async (input, { access, tx, requestId }) =>
  contactErrors(async () => {
    await removeFromContactList(tx, contactViewer(access), input.listId, input.id, { requestId });
    revalidatePath(`${contactsPath(access.org.slug)}/${input.id}`);
    return { ok: true, message: "Removed from the list." };
  }),
);

export const createListAction = orgAction("contacts:write", z.object({ name: z.string().max(200) }), async (input, { access, tx, requestId }) =>
  contactErrors(async () => {
    await createContactList(tx, contactViewer(access), input.name, { requestId });
    revalidatePath(`${contactsPath(access.org.slug)}/lists`);
    return { ok: true, message: "List created." };
  }),
);

export const deleteListAction = orgAction("contacts:write", z.object({ listId: z.uuid() }), async (input, { access, tx, requestId }) =>
  contactErrors(async () => {
    await deleteContactList(tx, contactViewer(access), input.listId, { requestId });
    revalidatePath(`${contactsPath(access.org.slug)}/lists`);
    return { ok: true, message: "List deleted; its contacts are still there." };
  }),
);
