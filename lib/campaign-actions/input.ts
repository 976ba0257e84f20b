import { z } from "zod";
import { actionKinds } from "@/db/schema/workspace";
import { tagSchema } from "@/lib/contacts/input";
import { uuidSchema } from "@/lib/validation/ids";
import { ACTION_INSTRUCTIONS_MAX, ACTION_TITLE_MAX } from "./limits";

/** What a campaign asks of its volunteers, as typed in the form or sent by the API. */

export { ACTION_INSTRUCTIONS_MAX, ACTION_TITLE_MAX };

const blankToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

/** A datetime-local value carries no zone: read as UTC, the zone the pages show dates in. */
const localDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/** "" means "no date" (null), a missing field "leave as it is" (undefined). */
const dateField = z.preprocess(
  (v) => (v === "" ? null : typeof v === "string" ? new Date(localDateTime.test(v) ? `${v}Z` : v) : v),
  z
    .date({ error: "Enter a date and time, e.g. 2026-05-01 18:00" })
    .refine((d) => d.getUTCFullYear() >= 2000 && d.getUTCFullYear() <= 2200, "Enter a date between the years 2000 and 2200")
    .nullable()
    .optional(),
);

const fields = {
  kind: z.enum(actionKinds, { error: "Choose a kind: call, text, canvass, event or petition" }),
  title: z.string().trim().min(1, "Enter a title").max(ACTION_TITLE_MAX, `The title is too long (at most ${ACTION_TITLE_MAX} characters)`),
  instructions: z
    .string()
    .trim()
    .max(ACTION_INSTRUCTIONS_MAX, `The instructions are too long (at most ${ACTION_INSTRUCTIONS_MAX.toLocaleString("en")} characters)`)
    .nullable()
    .optional()
    .transform((v) => (v === undefined ? undefined : v || null)),
  startsAt: dateField,
  endsAt: dateField,
  assignees: z.array(z.uuid({ error: "Choose members of this campaign" })).max(500, "At most 500 assignees"),
};

/** Targets: the contacts of a list, those with a tag, and contact ids, together. Only contacts the actor can see are taken. */
export const targetSelectionSchema = z.object({
  listId: z.preprocess(blankToUndefined, z.uuid({ error: "Choose a list" }).optional()),
  tag: z.preprocess(blankToUndefined, tagSchema.optional()),
  contactIds: z.array(z.uuid({ error: "Choose contacts of this campaign" })).max(5_000, "At most 5,000 contacts at once").optional(),
});
export type TargetSelection = z.output<typeof targetSelectionSchema>;

const endsAfterStart = (v: { startsAt?: Date | null; endsAt?: Date | null }) => !v.startsAt || !v.endsAt || v.endsAt >= v.startsAt;
export const ENDS_BEFORE_START = "The end must not be before the start";

export const newCampaignActionSchema = z
  .object({ ...fields, assignees: fields.assignees.default([]) })
  .extend(targetSelectionSchema.shape)
  .strict()
  .refine(endsAfterStart, { path: ["endsAt"], message: ENDS_BEFORE_START });
export type NewCampaignActionInput = z.input<typeof newCampaignActionSchema>;

/** A change: absent fields stay; `assignees` replaces the set; targets are added from a selection or removed by id. */
export const campaignActionPatchSchema = z
  .object({
    kind: fields.kind.optional(),
    title: fields.title.optional(),
    instructions: fields.instructions,
    startsAt: fields.startsAt,
    endsAt: fields.endsAt,
    assignees: fields.assignees.optional(),
    addTargets: targetSelectionSchema.optional(),
    removeTargets: z.array(uuidSchema).max(5_000).optional(),
  })
  .strict();
export type CampaignActionPatchInput = z.input<typeof campaignActionPatchSchema>;
