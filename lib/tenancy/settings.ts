import { z } from "zod";

/** How long a deleted action stays restorable in the trash before the purge job removes it. */
export const TRASH_RETENTION_DAYS = { default: 30, min: 1, max: 365 } as const;
/** How long audit events stay in the hot table before they move into encrypted archives. */
export const AUDIT_RETENTION_DAYS = { default: 14, min: 1, max: 90 } as const;
export const REQUIRE_2FA = ["off", "admins", "everyone"] as const;
export const SUPPORT_ACCESS = ["allowed", "refused"] as const;

type Bounds = { min: number; max: number };
const plural = (n: number) => `${n} day${n === 1 ? "" : "s"}`;
/** A number of days within bounds; `fromForm` accepts the text a form sends. */
const days = (bounds: Bounds, fromForm = false) =>
  (fromForm ? z.coerce.number({ error: "Enter a number of days." }) : z.number({ error: "Enter a number of days." }))
    .int("Enter a whole number of days.")
    .min(bounds.min, `At least ${plural(bounds.min)}.`)
    .max(bounds.max, `At most ${plural(bounds.max)}.`);

/** A campaign's security policy, kept in organizations.settings and always read through this schema. */
export const orgSettingsSchema = z
  .object({
    require2fa: z.enum(REQUIRE_2FA).default("off"),
    supportAccess: z.enum(SUPPORT_ACCESS).default("allowed"),
    auditRetentionDays: days(AUDIT_RETENTION_DAYS).default(AUDIT_RETENTION_DAYS.default),
    trashRetentionDays: days(TRASH_RETENTION_DAYS).default(TRASH_RETENTION_DAYS.default),
  })
  .loose();
export type OrgSettings = z.infer<typeof orgSettingsSchema>;

/** The owners' settings form: the same fields and bounds, every field required, numbers as typed. */
export const orgSettingsFormSchema = z.object({
  require2fa: z.enum(REQUIRE_2FA),
  supportAccess: z.enum(SUPPORT_ACCESS),
  auditRetentionDays: days(AUDIT_RETENTION_DAYS, true),
  trashRetentionDays: days(TRASH_RETENTION_DAYS, true),
});
