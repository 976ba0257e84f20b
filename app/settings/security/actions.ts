"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { changePassword } from "@/lib/auth/accounts";
import { clearRecoveryCodes, consumeRecoveryCode, issueRecoveryCodes } from "@/lib/auth/recovery-codes";
import { getAuthRuntime } from "@/lib/auth/runtime";
import { revokeSessions } from "@/lib/auth/sessions";
import { MAX_PASSWORD_LENGTH } from "@/lib/auth/strength";
import { beginTotpEnrolment, confirmTotpEnrolment, hasTotp, removeTotp, verifyTotpCode } from "@/lib/auth/totp";
import { sessionAction } from "@/lib/http/action";

const password = z.string().min(1, "Enter your password.").max(MAX_PASSWORD_LENGTH);

export const changePasswordAction = sessionAction(
  z.object({ currentPassword: password, newPassword: password }),
  async (input, { session }) => {
    const runtime = await getAuthRuntime();
    const result = await changePassword(runtime.db, { userId: session.user.id, ...input, keepSessionId: session.session.id });
    if (!result.ok) return { fieldErrors: { [result.reason === "wrong_password" ? "currentPassword" : "newPassword"]: result.message } };
    return { ok: true, message: "Password changed. Every other session was signed out." };
  },
);

export const revokeSessionAction = sessionAction(z.object({ sessionId: z.uuid() }), async ({ sessionId }, { session }) => {
  const runtime = await getAuthRuntime();
  await revokeSessions(runtime.db, { userId: session.user.id, only: sessionId }, "revoked_by_user");
  if (sessionId === session.session.id) redirect("/login");
  return { ok: true, message: "That session was signed out." };
});

export const revokeOtherSessionsAction = sessionAction(z.object({}), async (_input, { session }) => {
  const runtime = await getAuthRuntime();
  const n = await revokeSessions(runtime.db, { userId: session.user.id, except: session.session.id }, "revoked_all_others");
  return { ok: true, message: n === 0 ? "There were no other sessions." : `Signed out ${n} other session${n === 1 ? "" : "s"}.` };
});

export const beginTotpAction = sessionAction(z.object({}), async (_input, { session }) => {
  const runtime = await getAuthRuntime();
  const enrolment = await beginTotpEnrolment(runtime.db, session.user);
  return { ok: true, data: { secret: enrolment.secret, qrDataUrl: enrolment.qrDataUrl } };
});

export const confirmTotpAction = sessionAction(z.object({ code: z.string().trim().regex(/^\d{6}$/, "Enter the 6 digits your app shows.") }), async ({ code }, { session }) => {
  const runtime = await getAuthRuntime();
  const codes = await runtime.db.transaction(async (tx) => {
    if (!(await confirmTotpEnrolment(tx, session.user.id, code))) return null;
    return issueRecoveryCodes(tx, session.user.id);
  });
  if (!codes) return { fieldErrors: { code: "That code did not match. Check the time on your phone and try the next code." } };
  return { ok: true, message: "Two-step verification is on.", data: { recoveryCodes: codes } };
});

/** Turning 2FA off needs a fresh second factor, not just the session. */
export const disableTotpAction = sessionAction(z.object({ code: z.string().trim().min(6).max(32) }), async ({ code }, { session }) => {
  const runtime = await getAuthRuntime();
  const userId = session.user.id;
  if (!(await hasTotp(runtime.db, userId))) return { message: "Two-step verification is already off." };
  const fresh = /^\d{6}$/.test(code) ? await verifyTotpCode(runtime.db, userId, code) : await consumeRecoveryCode(runtime.db, userId, code);
  if (!fresh) return { fieldErrors: { code: "That code did not work." } };
  await runtime.db.transaction(async (tx) => {
    await removeTotp(tx, userId);
    await clearRecoveryCodes(tx, userId);
  });
  return { ok: true, message: "Two-step verification is off." };
});
