import { z } from "zod";

/** A campaign's security policy, kept in organizations.settings and always read through this schema. */
export const orgSettingsSchema = z
  .object({
    require2fa: z.enum(["off", "admins", "everyone"]).default("off"),
    supportAccess: z.enum(["allowed", "refused"]).default("allowed"),
    auditRetentionDays: z.number().int().min(1).max(90).default(14),
  })
  .loose();
export type OrgSettings = z.infer<typeof orgSettingsSchema>;
