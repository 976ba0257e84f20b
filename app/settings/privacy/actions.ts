"use server";

import { revalidatePath } from "next/cache";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { normalizeAccountEmail } from "@/lib/auth/email";
import { authCookieNames } from "@/lib/auth/cookies";
import { getServices } from "@/lib/services";
import { getConfig } from "@/lib/config";
import { sessionAction } from "@/lib/http/action";
import { deleteOwnAccount } from "@/lib/privacy/account";
import { requestDeletionEverywhere } from "@/lib/privacy/deletion-requests";
import { deleteSyncedContacts } from "@/lib/privacy/synced";
import { uuidSchema } from "@/lib/validation/ids";

const PAGE = "/settings/privacy";
const confirmed = z.literal("on", { message: "Tick the box to confirm: this cannot be undone." });
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** Deletes the contacts the person synced, in one campaign (orgId) or in all of them. */
export const deleteSyncedContactsAction = sessionAction(
  z.object({ scope: z.union([uuidSchema, z.literal("all")]), confirm: confirmed }),
  async ({ scope }, { session, requestId }) => {
    const { db } = await getServices();
    const done = await deleteSyncedContacts(db, session.user.id, { orgId: scope === "all" ? undefined : scope, requestId });
    revalidatePath(PAGE);
    if (done.length === 0) return { ok: true, message: "There was nothing left to delete." };
    const total = done.reduce((n, d) => n + d.count, 0);
    return { ok: true, message: `Deleted ${plural(total, "contact")} from ${done.map((d) => d.orgName).join(", ")}. Your receipts are below.` };
  },
);

export const requestDeletionAction = sessionAction(z.object({}), async (_input, { session, requestId }) => {
  const { db } = await getServices();
  const result = await requestDeletionEverywhere(db, session.user.id, { requestId });
  if (!result.ok) return { message: "Confirm your email address first: requests are matched by your verified account email." };
  revalidatePath(PAGE);
  const already = result.alreadyRequested.length > 0 ? ` ${plural(result.alreadyRequested.length, "campaign")} already had an open request from you.` : "";
  if (result.sent.length === 0)
    return { ok: true, message: `No further campaign holds data under your account email, so no new request was sent.${already}` };
  return { ok: true, message: `Sent to ${plural(result.sent.length, "campaign")}: ${result.sent.join(", ")}. Each has 30 days to act.${already}` };
});

/** Confirmed by typing the account email; refused while the person is a campaign's last owner. */
export const deleteAccountAction = sessionAction(z.object({ email: z.string().max(320) }), async ({ email }, { session, requestId }) => {
  if (normalizeAccountEmail(email) !== normalizeAccountEmail(session.user.email))
    return { fieldErrors: { email: "Type the email address of this account exactly, to confirm." } };
  const { db } = await getServices();
  const result = await deleteOwnAccount(db, session.user.id, { requestId });
  if (!result.ok)
    return { message: `You are the last owner of ${result.campaignSlug}: make someone else an owner or delete the campaign first.` };
  // The session row went with the account; the cookie goes too, so the browser holds nothing of it.
  const secure = getConfig().secureCookies;
  (await cookies()).set(authCookieNames(secure).session, "", { httpOnly: true, sameSite: "lax", secure, path: "/", maxAge: 0 });
  redirect("/?notice=account-deleted");
});
