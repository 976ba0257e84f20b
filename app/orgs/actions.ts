"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getAuthRuntime } from "@/lib/auth/runtime";
import { reissueSessionCookie } from "@/lib/auth/reissue";
import { sessionAction } from "@/lib/http/action";
import { CampaignRuleError, createCampaign, leaveCampaign, slugFromName, slugSchema } from "@/lib/tenancy/campaigns";
import { decide } from "@/lib/tenancy/next";

export const createCampaignAction = sessionAction(
  z.object({ name: z.string().trim().min(2, "Give the campaign a name.").max(120), slug: z.string().trim().max(48).optional() }),
  async (input, { session }) => {
    const slug = slugSchema.safeParse(input.slug || slugFromName(input.name));
    if (!slug.success) return { fieldErrors: { slug: slug.error.issues[0]?.message ?? "Choose another address." } };
    const { db } = await getAuthRuntime();
    try {
      await createCampaign(db, session.user.id, { name: input.name, slug: slug.data });
    } catch (err) {
      if (err instanceof CampaignRuleError) return { fieldErrors: { slug: err.message } };
      throw err;
    }
    await reissueSessionCookie(session);
    redirect(`/o/${slug.data}`);
  },
);

export const leaveCampaignAction = sessionAction(z.object({ org: z.string().max(64) }), async ({ org }, { session }) => {
  const decision = await decide(session, org, "org:view");
  if (!decision.ok) return { message: "This campaign is not available to you." };
  try {
    await decision.access.run((tx) => leaveCampaign(tx, decision.access));
  } catch (err) {
    if (err instanceof CampaignRuleError) return { message: err.message };
    throw err;
  }
  // After the commit, so the new cookie no longer lists the campaign.
  await reissueSessionCookie(session);
  return { ok: true, message: "You left the campaign." };
});
