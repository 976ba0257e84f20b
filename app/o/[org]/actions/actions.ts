"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { actionViewer, createAction, deleteAction, purgeActionNow, restoreAction, updateAction } from "@/lib/actions/store";
import { orgAction } from "@/lib/tenancy/guards";
import { uuidSchema } from "@/lib/validation/ids";
import { fromForm } from "./form-input";

const paths = (slug: string, id?: string) => {
  revalidatePath(`/o/${slug}/actions`);
  if (id) revalidatePath(`/o/${slug}/actions/${id}`);
  revalidatePath(`/o/${slug}/actions/trash`);
};

/** Creates, then opens the new action (the redirect waits until its transaction committed). */
export const createActionAction = orgAction("actions:write", z.object({}).loose(), async (raw, { access, tx, requestId, afterCommit }) => {
  const id = await createAction(tx, actionViewer(access), fromForm(raw), { requestId });
  afterCommit(() => {
    paths(access.org.slug);
    redirect(`/o/${access.org.slug}/actions/${id}`);
  });
  return { ok: true };
});

export const updateActionAction = orgAction("actions:write", z.object({ id: z.uuid() }).loose(), async (raw, { access, tx, requestId }) => {
  const { listId, tag, kind, ...rest } = fromForm(raw);
  const changed = await updateAction(tx, actionViewer(access), raw.id, { ...rest, kind, addTargets: { listId, tag } }, { requestId });
  paths(access.org.slug, raw.id);
  return { ok: true, message: changed.length ? "Saved." : "Nothing changed." };
});

export const removeTargetAction = orgAction("actions:write", z.object({ id: z.uuid(), contactId: z.uuid() }), async (input, { access, tx, requestId }) => {
  await updateAction(tx, actionViewer(access), input.id, { removeTargets: [input.contactId] }, { requestId });
  paths(access.org.slug, input.id);
  return { ok: true, message: "Removed." };
});

/** Moves to the trash, then back to the list (the action is no longer there to show). */
export const deleteActionAction = orgAction("actions:write", z.object({ id: uuidSchema }), async (input, { access, tx, requestId, afterCommit }) => {
  await deleteAction(tx, actionViewer(access), input.id, { requestId });
  afterCommit(() => {
    paths(access.org.slug, input.id);
    redirect(`/o/${access.org.slug}/actions?deleted=1`);
  });
  return { ok: true };
});

export const restoreActionAction = orgAction("actions:restore", z.object({ id: z.uuid() }), async (input, { access, tx, requestId }) => {
  await restoreAction(tx, actionViewer(access), input.id, { requestId });
  paths(access.org.slug, input.id);
  return { ok: true, message: "Restored." };
});

export const purgeActionAction = orgAction("actions:restore", z.object({ id: z.uuid() }), async (input, { access, tx, requestId }) => {
  await purgeActionNow(tx, actionViewer(access), input.id, { requestId });
  paths(access.org.slug);
  return { ok: true, message: "Deleted for good." };
});
