import { z } from "zod";

/** How long a deleted action stays restorable in the trash before the purge job removes it. */
export const TRASH_RETENTION_DAYS = { default: 30, min: 1, max: 365 } as const;

/** A campaign's security policy, kept in organizations.settings and always read through this schema. */
export const orgSettingsSchema = z
  .object({
    require2fa: z.enum(["off", "admins", "everyone"]).default("off"),
    supportAccess: z.enum(["allowed", "refused"]).default("allowed"),
    auditRetentionDays: z.number().int().min(1).max(90).default(14),
    trashRetentionDays: z.number().int().min(TRASH_RETENTION_DAYS.min).max(TRASH_RETENTION_DAYS.max).default(TRASH_RETENTION_DAYS.default),
  })
  .loose();
export type OrgSettings = z.infer<typeof orgSettingsSchema>;
