"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { ActionRuleError, actionViewer, createAction, deleteAction, purgeActionNow, restoreAction, updateAction } from "@/lib/actions/store";
import type { FormState } from "@/lib/http/action";
import { sessionAction } from "@/lib/http/action";
import { decide, orgAction } from "@/lib/tenancy/next";
import { fromForm } from "./form-input";

const UNAVAILABLE = "This campaign is not available to you.";
async function ruleErrors(work: () => Promise<FormState>): Promise<FormState> {
  try {
    return await work();
  } catch (err) {
    // Every rule is checked before the first write, so answering here leaves nothing half-done.
    if (err instanceof ActionRuleError) return { message: err.message, fieldErrors: err.fieldErrors };
    throw err;
  }
}

const paths = (slug: string, id?: string) => {
  revalidatePath(`/o/${slug}/actions`);
  if (id) revalidatePath(`/o/${slug}/actions/${id}`);
  revalidatePath(`/o/${slug}/actions/trash`);
};

/** Creates, then opens the new action (the redirect waits until its transaction committed). */
export const createActionAction = sessionAction(z.object({ org: z.string().max(64) }).loose(), async (raw, { session, requestId }) => {
  const decision = await decide(session, raw.org, "actions:write");
  if (!decision.ok) return { message: UNAVAILABLE };
  const { access } = decision;
  let id: string | undefined;
  const refused = await ruleErrors(async () => {
    id = await access.run((tx) => createAction(tx, actionViewer(access), fromForm(raw), { requestId }));
    return { ok: true };
  });
  if (!id) return refused;
  paths(access.org.slug);
  redirect(`/o/${access.org.slug}/actions/${id}`);
});

export const updateActionAction = orgAction("actions:write", z.object({ id: z.uuid() }).loose(), async (raw, { access, tx, requestId }) =>
  ruleErrors(async () => {
    const { listId, tag, kind, ...rest } = fromForm(raw);
    const changed = await updateAction(tx, actionViewer(access), raw.id, { ...rest, kind, addTargets: { listId, tag } }, { requestId });
    paths(access.org.slug, raw.id);
    return { ok: true, message: changed.length ? "Saved." : "Nothing changed." };
  }),
);

export const removeTargetAction = orgAction("actions:write", z.object({ id: z.uuid(), contactId: z.uuid() }), async (input, { access, tx, requestId }) =>
  ruleErrors(async () => {
    await updateAction(tx, actionViewer(access), input.id, { removeTargets: [input.contactId] }, { requestId });
    paths(access.org.slug, input.id);
    return { ok: true, message: "Removed." };
  }),
);

/** Moves to the trash, then back to the list (the action is no longer there to show). */
export const deleteActionAction = sessionAction(z.object({ org: z.string().max(64), id: z.uuid() }), async (input, { session, requestId }) => {
  const decision = await decide(session, input.org, "actions:write");
  if (!decision.ok) return { message: UNAVAILABLE };
  const { access } = decision;
  const refused = await ruleErrors(async () => {
    await access.run((tx) => deleteAction(tx, actionViewer(access), input.id, { requestId }));
    return { ok: true };
  });
  if (!refused.ok) return refused;
  paths(access.org.slug, input.id);
  redirect(`/o/${access.org.slug}/actions?deleted=1`);
});

export const restoreActionAction = orgAction("actions:restore", z.object({ id: z.uuid() }), async (input, { access, tx, requestId }) =>
  ruleErrors(async () => {
    await restoreAction(tx, actionViewer(access), input.id, { requestId });
    paths(access.org.slug, input.id);
    return { ok: true, message: "Restored." };
  }),
);

export const purgeActionAction = orgAction("actions:restore", z.object({ id: z.uuid() }), async (input, { access, tx, requestId }) =>
  ruleErrors(async () => {
    await purgeActionNow(tx, actionViewer(access), input.id, { requestId });
    paths(access.org.slug);
    return { ok: true, message: "Deleted for good." };
  }),
);
