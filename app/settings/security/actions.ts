"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { changePassword } from "@/lib/auth/accounts";
import { hashEmail } from "@/lib/auth/email";
import { clearRecoveryCodes, consumeRecoveryCode, issueRecoveryCodes } from "@/lib/auth/recovery-codes";
import { getAuthRuntime } from "@/lib/auth/runtime";
import { revokeSessions } from "@/lib/auth/sessions";
import { MAX_PASSWORD_LENGTH } from "@/lib/auth/strength";
import { beginTotpEnrolment, confirmTotpEnrolment, hasTotp, removeTotp, verifyTotpCode } from "@/lib/auth/totp";
import {
  beginSecurityKeyAuthentication,
  beginSecurityKeyRegistration,
  finishSecurityKeyRegistration,
  hasSecurityKeys,
  removeSecurityKey,
  securityKeyNameSchema,
  verifySecurityKeyAssertion,
} from "@/lib/auth/webauthn";
import { sessionAction } from "@/lib/http/action";
import { recordAuditEvent } from "@/lib/audit";
import type { Queryable } from "@/lib/db";

const me = (userId: string) => ({ orgId: null, actor: { kind: "member" as const, id: userId } });

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
  if ((await revokeSessions(runtime.db, { userId: session.user.id, only: sessionId }, "revoked_by_user")) > 0)
    await recordAuditEvent(runtime.db, { ...me(session.user.id), action: "session.revoked", target: { type: "session", id: sessionId }, metadata: { reason: "user" } });
  if (sessionId === session.session.id) redirect("/login");
  return { ok: true, message: "That session was signed out." };
});

export const revokeOtherSessionsAction = sessionAction(z.object({}), async (_input, { session }) => {
  const runtime = await getAuthRuntime();
  const n = await revokeSessions(runtime.db, { userId: session.user.id, except: session.session.id }, "revoked_all_others");
  if (n > 0) await recordAuditEvent(runtime.db, { ...me(session.user.id), action: "session.revoked_all", metadata: { reason: "user", count: n } });
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
    await recordAuditEvent(tx as Queryable, { ...me(session.user.id), action: "auth.two_factor.enabled", metadata: { method: "totp" } });
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
    await recordAuditEvent(tx as Queryable, { ...me(userId), action: "auth.two_factor.disabled", metadata: { method: "totp" } });
    // Recovery codes stand in for any factor: they stay while a security key does.
    if (!(await hasSecurityKeys(tx, userId))) await clearRecoveryCodes(tx, userId);
  });
  return { ok: true, message: "Two-step verification is off." };
});

/** Step one of adding a security key: the registration options for the browser. */
export const beginSecurityKeyAction = sessionAction(z.object({ name: securityKeyNameSchema }), async (_input, { session }) => {
  const runtime = await getAuthRuntime();
  return { ok: true, data: { options: await beginSecurityKeyRegistration(runtime.db, session.user) } };
});

/**
 * Step two: verify the browser's answer and store the key. A person whose first second factor this
 * is also gets recovery codes, shown once, so that losing the key does not lock them out.
 */
export const finishSecurityKeyAction = sessionAction(
  z.object({ name: securityKeyNameSchema, response: z.string().max(32 * 1024) }),
  async ({ name, response }, { session }) => {
    const runtime = await getAuthRuntime();
    const userId = session.user.id;
    const result = await runtime.db.transaction(async (tx) => {
      const firstFactor = !(await hasTotp(tx, userId)) && !(await hasSecurityKeys(tx, userId));
      const registered = await finishSecurityKeyRegistration(tx, userId, { name, response });
      if (!registered.ok) return registered;
      await recordAuditEvent(tx as Queryable, { ...me(userId), action: "auth.webauthn.added" });
      return { ...registered, recoveryCodes: firstFactor ? await issueRecoveryCodes(tx, userId) : null };
    });
    if (!result.ok)
      return {
        message:
          result.reason === "already_registered"
            ? "That security key is already registered."
            : "The security key could not be added. The request may have expired: please try again.",
      };
    return { ok: true, message: `Security key “${name}” added.`, data: result.recoveryCodes ? { recoveryCodes: result.recoveryCodes } : undefined };
  },
);

/** A fresh challenge for the person's own keys, to confirm a sensitive change. */
export const beginSecurityKeyCheckAction = sessionAction(z.object({}), async (_input, { session }) => {
  const runtime = await getAuthRuntime();
  const options = await beginSecurityKeyAuthentication(runtime.db, session.user.id, "step_up");
  if (!options) return { message: "You have no security keys to confirm with." };
  return { ok: true, data: { options } };
});

/**
 * Removing a key needs a fresh factor, like turning off the app: a new touch of any of your
 * keys, or a current code from your app, or a recovery code (for a lost key). The session alone
 * (a borrowed laptop, a stolen cookie) cannot strip a factor.
 */
export const removeSecurityKeyAction = sessionAction(
  z.object({
    credentialId: z.string().min(1).max(1400),
    response: z.string().max(32 * 1024).optional(),
    code: z.string().trim().max(32).optional(),
  }),
  async ({ credentialId, response, code }, { session }) => {
    const runtime = await getAuthRuntime();
    const userId = session.user.id;
    if (!response && !code) return { fieldErrors: { code: "Confirm with a security key, or enter a code." } };
    const limit = await runtime.limiters.secondFactorPerAccount.limit(hashEmail(session.user.email));
    if (!limit.success) return { message: "Too many attempts. Please wait a few minutes and try again." };
    const fresh = response
      ? await verifySecurityKeyAssertion(runtime.db, userId, "step_up", response)
      : /^\d{6}$/.test(code ?? "")
        ? await verifyTotpCode(runtime.db, userId, code ?? "")
        : await consumeRecoveryCode(runtime.db, userId, code ?? "");
    if (!fresh) return response ? { message: "That security key was not accepted. Please try again." } : { fieldErrors: { code: "That code did not work." } };
    const removed = await runtime.db.transaction(async (tx) => {
      if (!(await removeSecurityKey(tx, userId, credentialId))) return false;
      await recordAuditEvent(tx as Queryable, { ...me(userId), action: "auth.webauthn.removed" });
      if (!(await hasTotp(tx, userId)) && !(await hasSecurityKeys(tx, userId))) await clearRecoveryCodes(tx, userId);
      return true;
    });
    if (!removed) return { message: "That security key was already removed." };
    return { ok: true, message: "Security key removed." };
  },
);
