"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getServices } from "@/lib/services";
import { reissueSessionCookie } from "@/lib/auth/reissue";
import { sessionAction } from "@/lib/http/action";
import { acceptInvitation, declineInvitation } from "@/lib/tenancy/campaigns";

const token = z.object({ token: z.string().min(10).max(100) });

export const acceptInvitationAction = sessionAction(token, async ({ token }, { session }) => {
  const { db } = await getServices();
  const { slug } = await acceptInvitation(db, session.user, token);
  await reissueSessionCookie(session);
  redirect(`/o/${slug}`);
});

export const declineInvitationAction = sessionAction(token, async ({ token }, { session }) => {
  const { db } = await getServices();
  const done = await declineInvitation(db, session.user, token);
  return done ? { ok: true, message: "You declined the invitation." } : { message: "This invitation is no longer open, or it was sent to another address." };
});
