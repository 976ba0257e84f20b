"use server";

import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit";
import { getAuthRuntime } from "@/lib/auth/runtime";
import { startDataKeyRotation } from "@/lib/crypto/rotation";
import { sessionAction } from "@/lib/http/action";
import { updateSettings } from "@/lib/tenancy/campaigns";
import { decide, orgAction } from "@/lib/tenancy/next";
import { redirect } from "next/navigation";
import { getConfig } from "@/lib/config";
import { reissueSessionCookie } from "@/lib/auth/reissue";
import { createBlobStore } from "@/lib/storage";
import { deleteCampaign } from "@/lib/tenancy/delete";
import { TRASH_RETENTION_DAYS } from "@/lib/tenancy/settings";

export const updateSecuritySettingsAction = orgAction(
  "org:settings",
  z.object({
    require2fa: z.enum(["off", "admins", "everyone"]),
    supportAccess: z.enum(["allowed", "refused"]),
    auditRetentionDays: z.coerce.number().int().min(1, "At least 1 day.").max(90, "At most 90 days."),
    trashRetentionDays: z.coerce
      .number({ error: "Enter a number of days." })
      .int("Enter a whole number of days.")
      .min(TRASH_RETENTION_DAYS.min, `At least ${TRASH_RETENTION_DAYS.min} day.`)
      .max(TRASH_RETENTION_DAYS.max, `At most ${TRASH_RETENTION_DAYS.max} days.`),
  }),
  async (input, { access, tx }) => {
    const changed = await updateSettings(tx, access, input);
    return { ok: true, message: changed.length ? "Settings saved." : "Nothing changed." };
  },
);

/** Owners start a data-key rotation: new writes use the new key at once; a background job re-encrypts the rest. */
export const rotateDataKeyAction = sessionAction(z.object({ org: z.string().max(64) }), async ({ org }, { session }) => {
  const decision = await decide(session, org, "org:settings");
  if (!decision.ok) return { message: "This campaign is not available to you." };
  const { db } = await getAuthRuntime();
  const access = decision.access;
  const started = await startDataKeyRotation(db, { orgId: access.org.id, userId: access.userId });
  if (!started.started) return { message: "A rotation is already running; its progress is shown below." };
  await access.run((tx) =>
    recordAuditEvent(tx, {
      orgId: access.org.id,
      actor: { kind: "member", id: access.userId },
      action: "key.data_rotated",
      metadata: { phase: "started", version: started.version },
    }),
  );
  return { ok: true, message: `Key version ${started.version} is now used for new data; older data is being re-encrypted.` };
});

/** Owners delete the campaign by crypto-shredding it, after typing its address to confirm. */
export const deleteCampaignAction = sessionAction(z.object({ org: z.string().max(64), confirm: z.string().max(64) }), async ({ org, confirm }, { session }) => {
  const decision = await decide(session, org, "org:settings");
  if (!decision.ok) return { message: "This campaign is not available to you." };
  if (confirm.trim() !== decision.access.org.slug) return { fieldErrors: { confirm: `Type ${decision.access.org.slug} to confirm.` } };
  const { db } = await getAuthRuntime();
  await deleteCampaign(db, createBlobStore(getConfig().blob), decision.access.org.id, session.user.id);
  await reissueSessionCookie(session);
  redirect("/orgs");
});
