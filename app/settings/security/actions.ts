"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { changePassword } from "@/lib/auth/accounts";
import { deviceCookieName, deviceCookieOptions, signDeviceToken } from "@/lib/auth/device-cookie";
import { getConfig } from "@/lib/config";
import { requiredPasswordSchema, secondFactorCodeSchema, totpCodeSchema } from "@/lib/auth/fields";
import { getServices } from "@/lib/services";
import { codeProof, type SecondFactorProof } from "@/lib/auth/second-factor";
import { addSecurityKey, confirmTotp, disableTotp, removeOwnSecurityKey, revokeOtherSessions, revokeOwnSession } from "@/lib/auth/security-settings";
import { beginTotpEnrolment } from "@/lib/auth/totp";
import { beginSecurityKeyAuthentication, beginSecurityKeyRegistration, securityKeyNameSchema } from "@/lib/auth/webauthn";
import { sessionAction } from "@/lib/http/action";
import { uuidSchema } from "@/lib/validation/ids";

const TOO_MANY_ATTEMPTS = "Too many attempts. Please wait a few minutes and try again.";
const CODE_DID_NOT_WORK = "That code did not work.";

export const changePasswordAction = sessionAction(
  z.object({ currentPassword: requiredPasswordSchema, newPassword: requiredPasswordSchema }),
  async (input, { session }) => {
    const runtime = await getServices();
    const result = await changePassword(runtime.db, { userId: session.user.id, ...input, keepSessionId: session.session.id });
    if (!result.ok) return { fieldErrors: { [result.reason === "wrong_password" ? "currentPassword" : "newPassword"]: result.message } };
    // Devices recognised before the change are not any more; this browser just proved the password, so it is again.
    if (result.device) {
      const secure = getConfig().secureCookies;
      const token = await signDeviceToken(session.user.id, runtime.secret, { emailHash: result.device.emailHash, epoch: result.device.epoch });
      (await cookies()).set(deviceCookieName(secure), token, deviceCookieOptions(secure));
    }
    return { ok: true, message: "Password changed. Every other session was signed out." };
  },
);

export const revokeSessionAction = sessionAction(z.object({ sessionId: uuidSchema }), async ({ sessionId }, { session }) => {
  const runtime = await getServices();
  await revokeOwnSession(runtime.db, session.user.id, sessionId);
  if (sessionId === session.session.id) redirect("/login");
  return { ok: true, message: "That session was signed out." };
});

export const revokeOtherSessionsAction = sessionAction(z.object({}), async (_input, { session }) => {
  const runtime = await getServices();
  const n = await revokeOtherSessions(runtime.db, session.user.id, session.session.id);
  return { ok: true, message: n === 0 ? "There were no other sessions." : `Signed out ${n} other session${n === 1 ? "" : "s"}.` };
});

export const beginTotpAction = sessionAction(z.object({}), async (_input, { session }) => {
  const runtime = await getServices();
  const enrolment = await beginTotpEnrolment(runtime.db, session.user);
  return { ok: true, data: { secret: enrolment.secret, qrDataUrl: enrolment.qrDataUrl } };
});

export const confirmTotpAction = sessionAction(z.object({ code: totpCodeSchema }), async ({ code }, { session }) => {
  const runtime = await getServices();
  const result = await confirmTotp(runtime.db, session.user.id, code);
  if (!result.ok) return { fieldErrors: { code: "That code did not match. Check the time on your phone and try the next code." } };
  return { ok: true, message: "Two-step verification is on.", data: { recoveryCodes: result.recoveryCodes } };
});

export const disableTotpAction = sessionAction(z.object({ code: secondFactorCodeSchema }), async ({ code }, { session }) => {
  const runtime = await getServices();
  const result = await disableTotp(runtime, session.user, codeProof(code));
  if (result.ok) return { ok: true, message: "Two-step verification is off." };
  if (result.reason === "already_off") return { message: "Two-step verification is already off." };
  if (result.reason === "rate_limited") return { message: TOO_MANY_ATTEMPTS };
  return { fieldErrors: { code: CODE_DID_NOT_WORK } };
});

/** Step one of adding a security key: the registration options for the browser. */
export const beginSecurityKeyAction = sessionAction(z.object({ name: securityKeyNameSchema }), async (_input, { session }) => {
  const runtime = await getServices();
  return { ok: true, data: { options: await beginSecurityKeyRegistration(runtime.db, session.user) } };
});

/** Step two: verify the browser's answer and store the key (with recovery codes when it is the first factor). */
export const finishSecurityKeyAction = sessionAction(
  z.object({ name: securityKeyNameSchema, response: z.string().max(32 * 1024) }),
  async ({ name, response }, { session }) => {
    const runtime = await getServices();
    const result = await addSecurityKey(runtime, session.user.id, { name, response });
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
  const runtime = await getServices();
  const options = await beginSecurityKeyAuthentication(runtime.db, session.user.id, "step_up");
  if (!options) return { message: "You have no security keys to confirm with." };
  return { ok: true, data: { options } };
});

/** Removing a key is confirmed by a touch of any of the person's keys, or by a code from their app or a recovery code. */
export const removeSecurityKeyAction = sessionAction(
  z.object({
    credentialId: z.string().min(1).max(1400),
    response: z.string().max(32 * 1024).optional(),
    code: z.string().trim().max(32).optional(),
  }),
  async ({ credentialId, response, code }, { session }) => {
    const proof: SecondFactorProof | null = response ? { method: "webauthn", response } : code ? codeProof(code) : null;
    if (!proof) return { fieldErrors: { code: "Confirm with a security key, or enter a code." } };
    const runtime = await getServices();
    const result = await removeOwnSecurityKey(runtime, session.user, credentialId, proof);
    if (result.ok) return { ok: true, message: "Security key removed." };
    if (result.reason === "already_removed") return { message: "That security key was already removed." };
    if (result.reason === "rate_limited") return { message: TOO_MANY_ATTEMPTS };
    return proof.method === "webauthn" ? { message: "That security key was not accepted. Please try again." } : { fieldErrors: { code: CODE_DID_NOT_WORK } };
  },
);
