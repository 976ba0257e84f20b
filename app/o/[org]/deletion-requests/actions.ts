"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { deletionDeclineReasons } from "@/db/schema";
import type { FormState } from "@/lib/http/action";
import { declineDeletionRequest, fulfilDeletionRequest, type DecisionResult } from "@/lib/privacy/deletion-requests";
import { orgAction } from "@/lib/tenancy/guards";
import { uuidSchema } from "@/lib/validation/ids";

const refusal = (result: Extract<DecisionResult, { ok: false }>): FormState => ({
  message: result.reason === "already_decided" ? "This request was already decided." : "That request is not available.",
});

export const fulfilDeletionRequestAction = orgAction("deletion_requests:manage", z.object({ requestId: uuidSchema }), async (input, { access, tx, requestId }) => {
  const result = await fulfilDeletionRequest(tx, { orgId: access.org.id, userId: access.userId, requestId }, input.requestId);
  if (!result.ok) return refusal(result);
  revalidatePath(`/o/${access.org.slug}/deletion-requests`);
  const n = result.contactsDeleted ?? 0;
  return { ok: true, message: `Done: ${n} contact${n === 1 ? "" : "s"} deleted. The requester sees the request as completed.` };
});

export const declineDeletionRequestAction = orgAction(
  "deletion_requests:manage",
  z.object({ requestId: uuidSchema, reason: z.enum(deletionDeclineReasons, { message: "Choose a reason." }) }),
  async (input, { access, tx, requestId }) => {
    const result = await declineDeletionRequest(tx, { orgId: access.org.id, userId: access.userId, requestId }, input.requestId, input.reason);
    if (!result.ok) return refusal(result);
    revalidatePath(`/o/${access.org.slug}/deletion-requests`);
    return { ok: true, message: "Declined. The requester sees the reason you chose." };
  },
);
