"use server";

import { z } from "zod";
import { updateSettings } from "@/lib/tenancy/campaigns";
import { orgAction } from "@/lib/tenancy/next";

export const updateSecuritySettingsAction = orgAction(
  "org:settings",
  z.object({
    require2fa: z.enum(["off", "admins", "everyone"]),
    supportAccess: z.enum(["allowed", "refused"]),
    auditRetentionDays: z.coerce.number().int().min(1, "At least 1 day.").max(90, "At most 90 days."),
  }),
  async (input, { access, tx }) => {
    const changed = await updateSettings(tx, access, input);
    return { ok: true, message: changed.length ? "Settings saved." : "Nothing changed." };
  },
);
