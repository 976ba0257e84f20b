"use server";

import { revalidatePath } from "next/cache";
import { notFound } from "next/navigation";
import { z } from "zod";
import { getServices } from "@/lib/services";
import type { ValidSession } from "@/lib/auth/sessions";
import { sessionAction, type FormState } from "@/lib/http/action";
import {
  addIncidentEntry,
  breachSwitchesSchema,
  changeIncidentStatus,
  createIncident,
  createIncidentSchema,
  incidentEntrySchema,
  incidentStatusSchema,
  notifyAffectedOwners,
  recordBreachSwitches,
} from "@/lib/incidents";
import { uuidSchema } from "@/lib/validation/ids";

/** Staff actions: the session must belong to platform staff, or the action does not exist. */
function staffAction<S extends z.ZodType>(schema: S, body: (input: z.output<S>, session: ValidSession) => Promise<FormState>) {
  return sessionAction(schema, async (input, { session }) => {
    if (!session.user.isStaff) notFound();
    return body(input, session);
  });
}

const notifiedMessage = (r: { campaigns: number; mails: number; failed: number }) =>
  `${r.mails} owner${r.mails === 1 ? "" : "s"} of ${r.campaigns} campaign${r.campaigns === 1 ? "" : "s"} mailed.${r.failed ? ` ${r.failed} campaign${r.failed === 1 ? "" : "s"} could not be mailed: use "Send notifications again".` : ""}`;

export const createIncidentAction = staffAction(createIncidentSchema, async (input, session) => {
  const { db, mailer, appUrl } = await getServices();
  const { id } = await createIncident(db, { id: session.user.id }, input);
  const notified = await notifyAffectedOwners(db, id, { mailer, appUrl });
  revalidatePath("/staff/incidents");
  return { ok: true, message: `Incident recorded. ${notifiedMessage(notified)}` };
});

export const addIncidentEntryAction = staffAction(incidentEntrySchema, async (input, session) => {
  const { db } = await getServices();
  await addIncidentEntry(db, { id: session.user.id }, input);
  revalidatePath("/staff/incidents");
  return { ok: true, message: "Entry added to the timeline." };
});

export const changeIncidentStatusAction = staffAction(incidentStatusSchema, async (input, session) => {
  const { db } = await getServices();
  await changeIncidentStatus(db, { id: session.user.id }, input);
  revalidatePath("/staff/incidents");
  return { ok: true, message: `Status changed to ${input.status}.` };
});

export const recordBreachSwitchesAction = staffAction(breachSwitchesSchema, async (input, session) => {
  const { db } = await getServices();
  await recordBreachSwitches(db, { id: session.user.id }, input);
  revalidatePath("/staff/incidents");
  return { ok: true, message: "Breach switches recorded." };
});

export const notifyOwnersAgainAction = staffAction(z.object({ incidentId: uuidSchema }), async (input) => {
  const { db, mailer, appUrl } = await getServices();
  const notified = await notifyAffectedOwners(db, input.incidentId, { mailer, appUrl });
  revalidatePath("/staff/incidents");
  return { ok: true, message: notifiedMessage(notified) };
});
