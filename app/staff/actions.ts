"use server";

import { notFound } from "next/navigation";
import { z } from "zod";
import { emailSchema } from "@/lib/auth/email";
import { getServices } from "@/lib/services";
import { enqueueBackupJob } from "@/lib/backup/job";
import { sessionAction, type FormState } from "@/lib/http/action";
import { setOrganizationSuspended, setUserDisabled } from "@/lib/tenancy/breach";
import { openSupportAccess } from "@/lib/tenancy/support";
import { slugSchema } from "@/lib/validation/ids";
import type { ValidSession } from "@/lib/auth/sessions";

/** Staff actions: the session must belong to platform staff, or the action does not exist. */
function staffAction<S extends z.ZodType>(schema: S, body: (input: z.output<S>, session: ValidSession) => Promise<FormState>) {
  return sessionAction(schema, async (input, { session }) => {
    if (!session.user.isStaff) notFound();
    return body(input, session);
  });
}

export const openSupportAccessAction = staffAction(
  z.object({ slug: slugSchema, reason: z.string().trim().min(10, "Say why, in a sentence the campaign will understand.").max(500), minutes: z.coerce.number().int().min(5).max(1440) }),
  async (input, session) => {
    const { db } = await getServices();
    const grant = await openSupportAccess(db, session.user, input);
    return { ok: true, message: `Read-only access to ${input.slug} until ${grant.expiresAt.toISOString().slice(11, 16)} UTC. Open /o/${input.slug}.` };
  },
);

export const setUserDisabledAction = staffAction(z.object({ email: emailSchema, disabled: z.enum(["true", "false"]) }), async (input, session) => {
  const { db } = await getServices();
  await setUserDisabled(db, { kind: "staff", id: session.user.id }, input.email, input.disabled === "true");
  return { ok: true, message: input.disabled === "true" ? "Account disabled; its sessions have ended." : "Account enabled." };
});

export const setOrgSuspendedAction = staffAction(z.object({ slug: slugSchema, suspended: z.enum(["true", "false"]) }), async (input, session) => {
  const { db } = await getServices();
  await setOrganizationSuspended(db, { kind: "staff", id: session.user.id }, input.slug, input.suspended === "true");
  return { ok: true, message: input.suspended === "true" ? "Campaign suspended: every member loses access at their next request." : "Suspension lifted." };
});

export const backUpNowAction = staffAction(z.object({}), async () => {
  const { db } = await getServices();
  const queued = await enqueueBackupJob(db);
  return { ok: true, message: queued ? "Backup queued: it runs in the background, then its restore test; the outcome shows here." : "A backup is already queued or running." };
});
