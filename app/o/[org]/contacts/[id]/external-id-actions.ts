"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { externalIdSchema, setContactExternalId } from "@/lib/contacts/commands";
import { contactViewer } from "@/lib/contacts/visibility";
import { orgAction } from "@/lib/tenancy/guards";
import { uuidSchema } from "@/lib/validation/ids";

export const setContactExternalIdAction = orgAction("contacts:write", z.object({ id: uuidSchema, externalId: externalIdSchema }), async (input, { access, tx, requestId }) => {
  const changed = await setContactExternalId(tx, contactViewer(access), input.id, input.externalId, { requestId });
  revalidatePath(`/o/${access.org.slug}/contacts/${input.id}`);
  return { ok: true, message: changed ? (input.externalId ? "External id saved." : "External id removed.") : "No change." };
});
