"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { fileReport, reportViewer } from "@/lib/reports/reports";
import { answersSchema, outcomeSchema, surveyKeys } from "@/lib/reports/survey";
import { orgAction } from "@/lib/tenancy/guards";
import { isUuid } from "@/lib/validation/ids";

// Loose: the survey's answers are picked from the form by their keys and checked by answersSchema.
const reportForm = z
  .object({
    contactId: z.string().max(64),
    actionId: z.string().max(64).optional(),
    intent: z.enum(["draft", "complete"]),
    outcome: outcomeSchema,
  })
  .loose();

export const fileReportAction = orgAction("reports:file", reportForm, async (input, { access, tx }) => {
  if (!isUuid(input.contactId)) return { message: "That contact is not available to you." };
  const answers = answersSchema.parse(Object.fromEntries(surveyKeys.flatMap((k) => (typeof input[k] === "string" && input[k] ? [[k, input[k]]] : []))));
  const complete = input.intent === "complete";
  const filed = await fileReport(tx, reportViewer(access), { contactId: input.contactId, actionId: input.actionId || undefined, outcome: input.outcome, answers, complete });
  if (!filed) return { message: "That contact or action is not available to you." };
  revalidatePath(`/o/${access.org.slug}/contacts/${input.contactId}`);
  revalidatePath(`/o/${access.org.slug}/reports`);
  if (complete) return { ok: true, message: "Report completed. Thank you!" };
  return { ok: true, message: "Draft saved. Only you can see it until you complete it.", values: { outcome: input.outcome, ...answers } };
});
