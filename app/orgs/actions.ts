"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getAuthRuntime } from "@/lib/auth/runtime";
import { reissueSessionCookie } from "@/lib/auth/reissue";
import { sessionAction } from "@/lib/http/action";
import { CampaignRuleError, createCampaign, slugFromName, slugSchema } from "@/lib/tenancy/campaigns";

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
