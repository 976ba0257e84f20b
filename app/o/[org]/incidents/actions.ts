"use server";

import { revalidatePath } from "next/cache";
import { acknowledgeIncident, acknowledgeIncidentSchema } from "@/lib/incidents";
import { orgAction } from "@/lib/tenancy/guards";

export const acknowledgeIncidentAction = orgAction("incidents:acknowledge", acknowledgeIncidentSchema, async (input, { access, tx }) => {
  await acknowledgeIncident(tx, { orgId: access.org.id, userId: access.userId }, input.incidentId);
  revalidatePath(`/o/${access.org.slug}`, "layout");
  return { ok: true, message: "Acknowledged. The incident stays in your activity feed." };
});
