"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { addCampaignAction, trashCampaignAction, updateCampaignAction } from "@/lib/campaign-actions/commands";
import { purgeCampaignAction, restoreCampaignAction } from "@/lib/campaign-actions/trash";
import { campaignActionViewer } from "@/lib/campaign-actions/viewer";
import { orgAction } from "@/lib/tenancy/guards";
import { uuidSchema } from "@/lib/validation/ids";
import { fromForm } from "./form-input";

const paths = (slug: string, id?: string) => {
  revalidatePath(`/o/${slug}/actions`);
  if (id) revalidatePath(`/o/${slug}/actions/${id}`);
  revalidatePath(`/o/${slug}/actions/trash`);
};

/** Creates, then opens the new action (the redirect waits until its transaction committed). */
export const addCampaignActionAction = orgAction("actions:write", z.object({}).loose(), async (raw, { access, tx, requestId, afterCommit }) => {
  const id = await addCampaignAction(tx, campaignActionViewer(access), fromForm(raw), { requestId });
  afterCommit(() => {
    paths(access.org.slug);
    redirect(`/o/${access.org.slug}/actions/${id}`);
  });
  return { ok: true };
});

export const updateCampaignActionAction = orgAction("actions:write", z.object({ id: uuidSchema }).loose(), async (raw, { access, tx, requestId }) => {
  const { listId, tag, kind, ...rest } = fromForm(raw);
  const changed = await updateCampaignAction(tx, campaignActionViewer(access), raw.id, { ...rest, kind, addTargets: { listId, tag } }, { requestId });
  paths(access.org.slug, raw.id);
  return { ok: true, message: changed.length ? "Saved." : "Nothing changed." };
});

export const removeCampaignActionTargetAction = orgAction("actions:write", z.object({ id: uuidSchema, contactId: uuidSchema }), async (input, { access, tx, requestId }) => {
  await updateCampaignAction(tx, campaignActionViewer(access), input.id, { removeTargets: [input.contactId] }, { requestId });
  paths(access.org.slug, input.id);
  return { ok: true, message: "Removed." };
});

/** Moves to the trash, then back to the list (the action is no longer there to show). */
export const trashCampaignActionAction = orgAction("actions:write", z.object({ id: uuidSchema }), async (input, { access, tx, requestId, afterCommit }) => {
  await trashCampaignAction(tx, campaignActionViewer(access), input.id, { requestId });
  afterCommit(() => {
    paths(access.org.slug, input.id);
    redirect(`/o/${access.org.slug}/actions?deleted=1`);
  });
  return { ok: true };
});

export const restoreCampaignActionAction = orgAction("actions:restore", z.object({ id: uuidSchema }), async (input, { access, tx, requestId }) => {
  await restoreCampaignAction(tx, campaignActionViewer(access), input.id, { requestId });
  paths(access.org.slug, input.id);
  return { ok: true, message: "Restored." };
});

export const purgeCampaignActionAction = orgAction("actions:restore", z.object({ id: uuidSchema }), async (input, { access, tx, requestId }) => {
  await purgeCampaignAction(tx, campaignActionViewer(access), input.id, { requestId });
  paths(access.org.slug);
  return { ok: true, message: "Deleted for good." };
});
