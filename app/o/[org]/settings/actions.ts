"use server";

import { z } from "zod";
import { getServices } from "@/lib/services";
import { startDataKeyRotationIn } from "@/lib/crypto/rotation";
import { updateSettings } from "@/lib/tenancy/campaigns";
import { orgAction } from "@/lib/tenancy/guards";
import { redirect } from "next/navigation";
import { getConfig } from "@/lib/config";
import { reissueSessionCookie } from "@/lib/auth/reissue";
import { createBlobStore } from "@/lib/storage";
import { deleteCampaign } from "@/lib/tenancy/delete";
import { orgSettingsFormSchema } from "@/lib/tenancy/settings";

export const updateSecuritySettingsAction = orgAction("org:settings", orgSettingsFormSchema, async (input, { access, tx }) => {
  const changed = await updateSettings(tx, access, input);
  return { ok: true, message: changed.length ? "Settings saved." : "Nothing changed." };
});

/** Owners start a data-key rotation: new writes use the new key at once; a background job re-encrypts the rest. */
export const rotateDataKeyAction = orgAction("org:settings", z.object({}), async (_input, { access, tx, requestId }) => {
  const started = await startDataKeyRotationIn(tx, access.org.id, { actor: { kind: "member", id: access.userId }, requestId });
  if (!started.started) return { message: "A rotation is already running; its progress is shown below." };
  return { ok: true, message: `Key version ${started.version} is now used for new data; older data is being re-encrypted.` };
});

/** Owners delete the campaign by crypto-shredding it, after typing its address to confirm; the shredding runs after the guard's transaction. */
export const deleteCampaignAction = orgAction("org:settings", z.object({ confirm: z.string().max(64) }), async ({ confirm }, { access, session, afterCommit }) => {
  if (confirm.trim() !== access.org.slug) return { fieldErrors: { confirm: `Type ${access.org.slug} to confirm.` } };
  afterCommit(async () => {
    const { db } = await getServices();
    await deleteCampaign(db, createBlobStore(getConfig().blob), access.org.id, access.userId);
    await reissueSessionCookie(session);
    redirect("/orgs");
  });
  return { ok: true };
});
