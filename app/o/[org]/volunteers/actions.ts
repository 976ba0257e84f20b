"use server";

import { z } from "zod";
import { roles } from "@/db/schema";
import { emailSchema } from "@/lib/auth/email";
import { getServices } from "@/lib/services";
import { changeRole, inviteMember, removeMember, revokeInvitation, setMemberDisabled } from "@/lib/tenancy/campaigns";
import { orgAction } from "@/lib/tenancy/guards";
import { uuidSchema } from "@/lib/validation/ids";

export const inviteAction = orgAction("members:invite", z.object({ email: emailSchema, role: z.enum(roles) }), async (input, { access, tx }) => {
  const { mailer, appUrl } = await getServices();
  const { link } = await inviteMember(tx, access, input, { mailer, appUrl });
  return { ok: true, message: "Invitation sent. You can also share this link with them directly; it works once.", data: { link } };
});

export const changeRoleAction = orgAction("members:manage", z.object({ userId: uuidSchema, role: z.enum(roles) }), async (input, { access, tx }) => {
  await changeRole(tx, access, input.userId, input.role);
  return { ok: true, message: "Role changed." };
});

export const removeMemberAction = orgAction("members:manage", z.object({ userId: uuidSchema }), async (input, { access, tx }) => {
  await removeMember(tx, access, input.userId);
  return { ok: true, message: "Removed from the campaign." };
});

export const setMemberDisabledAction = orgAction(
  "members:manage",
  z.object({ userId: uuidSchema, disabled: z.enum(["true", "false"]) }),
  async (input, { access, tx }) => {
    await setMemberDisabled(tx, access, input.userId, input.disabled === "true");
    return { ok: true, message: input.disabled === "true" ? "Access disabled; it ends at their next request." : "Access restored." };
  },
);

export const revokeInvitationAction = orgAction("members:invite", z.object({ invitationId: uuidSchema }), async (input, { access, tx }) => {
  await revokeInvitation(tx, access, input.invitationId);
  return { ok: true, message: "Invitation withdrawn." };
});
