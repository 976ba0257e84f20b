"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getAuthRuntime } from "@/lib/auth/runtime";
import { reissueSessionCookie } from "@/lib/auth/reissue";
import { sessionAction } from "@/lib/http/action";
import { CampaignRuleError, acceptInvitation, declineInvitation } from "@/lib/tenancy/campaigns";
import { organizations } from "@/db/schema";
import { eq } from "drizzle-orm";
import { withTenant } from "@/lib/db/tenant";

const token = z.object({ token: z.string().min(10).max(100) });

export const acceptInvitationAction = sessionAction(token, async ({ token }, { session }) => {
  const { db } = await getAuthRuntime();
  let orgId: string;
  try {
    ({ orgId } = await acceptInvitation(db, session.user, token));
  } catch (err) {
    if (err instanceof CampaignRuleError) return { message: err.message };
    throw err;
  }
  const [org] = await withTenant(db, { orgId, userId: session.user.id }, (tx) => tx.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, orgId)));
  await reissueSessionCookie(session);
  redirect(org ? `/o/${org.slug}` : "/orgs");
});

export const declineInvitationAction = sessionAction(token, async ({ token }, { session }) => {
  const { db } = await getAuthRuntime();
  const done = await declineInvitation(db, session.user, token);
  return done ? { ok: true, message: "You declined the invitation." } : { message: "This invitation is no longer open, or it was sent to another address." };
});
