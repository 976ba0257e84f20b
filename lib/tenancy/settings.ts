import { z } from "zod";

/** How long a deleted action stays restorable in the trash before the purge job removes it. */
export const TRASH_RETENTION_DAYS = { default: 30, min: 1, max: 365 } as const;
/** How long audit events stay in the hot table before they move into encrypted archives. */
export const AUDIT_RETENTION_DAYS = { default: 14, min: 1, max: 90 } as const;
/** How long an uploaded import file may exist (it is deleted sooner when its import ends). */
export const IMPORT_UPLOAD_MINUTES = { default: 60, min: 1, max: 60 } as const;
/** How long an import's result file (errors and summary) is kept; 0 keeps none. */
export const IMPORT_RESULT_DAYS = { default: 14, min: 0, max: 14 } as const;
/** How long an import stays in the history (and can be rolled back). */
export const IMPORT_HISTORY_DAYS = { default: 90, min: 1, max: 365 } as const;
export const REQUIRE_2FA = ["off", "admins", "everyone"] as const;
export const SUPPORT_ACCESS = ["allowed", "refused"] as const;

type Bounds = { min: number; max: number };
const plural = (n: number, unit = "day") => `${n} ${unit}${n === 1 ? "" : "s"}`;
/** A number of days (or another unit) within bounds; `fromForm` accepts the text a form sends. */
const days = (bounds: Bounds, fromForm = false, unit = "day") =>
  (fromForm ? z.coerce.number({ error: `Enter a number of ${unit}s.` }) : z.number({ error: `Enter a number of ${unit}s.` }))
    .int(`Enter a whole number of ${unit}s.`)
    .min(bounds.min, `At least ${plural(bounds.min, unit)}.`)
    .max(bounds.max, `At most ${plural(bounds.max, unit)}.`);

/** A campaign's security policy, kept in organizations.settings and always read through this schema. */
export const orgSettingsSchema = z
  .object({
    require2fa: z.enum(REQUIRE_2FA).default("off"),
    supportAccess: z.enum(SUPPORT_ACCESS).default("allowed"),
    auditRetentionDays: days(AUDIT_RETENTION_DAYS).default(AUDIT_RETENTION_DAYS.default),
    trashRetentionDays: days(TRASH_RETENTION_DAYS).default(TRASH_RETENTION_DAYS.default),
    importUploadMinutes: days(IMPORT_UPLOAD_MINUTES, false, "minute").default(IMPORT_UPLOAD_MINUTES.default),
    importResultDays: days(IMPORT_RESULT_DAYS).default(IMPORT_RESULT_DAYS.default),
    importHistoryDays: days(IMPORT_HISTORY_DAYS).default(IMPORT_HISTORY_DAYS.default),
  })
  .loose();
export type OrgSettings = z.infer<typeof orgSettingsSchema>;

/** The owners' settings form: the same fields and bounds, every field required, numbers as typed. */
export const orgSettingsFormSchema = z.object({
  require2fa: z.enum(REQUIRE_2FA),
  supportAccess: z.enum(SUPPORT_ACCESS),
  auditRetentionDays: days(AUDIT_RETENTION_DAYS, true),
  trashRetentionDays: days(TRASH_RETENTION_DAYS, true),
  importUploadMinutes: days(IMPORT_UPLOAD_MINUTES, true, "minute"),
  importResultDays: days(IMPORT_RESULT_DAYS, true),
  importHistoryDays: days(IMPORT_HISTORY_DAYS, true),
});
