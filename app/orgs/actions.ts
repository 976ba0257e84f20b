"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getServices } from "@/lib/services";
import { reissueSessionCookie } from "@/lib/auth/reissue";
import { sessionAction } from "@/lib/http/action";
import { createCampaign, leaveCampaign, slugFromName } from "@/lib/tenancy/campaigns";
import { orgAction } from "@/lib/tenancy/guards";
import { slugSchema } from "@/lib/validation/ids";

export const createCampaignAction = sessionAction(
  z.object({ name: z.string().trim().min(2, "Give the campaign a name.").max(120), slug: z.string().trim().max(48).optional() }),
  async (input, { session }) => {
    const slug = slugSchema.safeParse(input.slug || slugFromName(input.name));
    if (!slug.success) return { fieldErrors: { slug: slug.error.issues[0]?.message ?? "Choose another address." } };
    const { db } = await getServices();
    await createCampaign(db, session.user.id, { name: input.name, slug: slug.data });
    await reissueSessionCookie(session);
    redirect(`/o/${slug.data}`);
  },
);

export const leaveCampaignAction = orgAction("org:view", z.object({}), async (_input, { access, tx, session, afterCommit }) => {
  await leaveCampaign(tx, access);
  // After the commit, so the new cookie no longer lists the campaign.
  afterCommit(() => reissueSessionCookie(session));
  return { ok: true, message: "You left the campaign." };
});
