"use server";

import { cookies } from "next/headers";
import { z } from "zod";
import { requestPasswordReset, resetPassword, signUp, verifyEmail } from "@/lib/auth/accounts";
import { deviceCookieName, deviceCookieOptions, signDeviceToken } from "@/lib/auth/device-cookie";
import { emailSchema } from "@/lib/auth/email";
import { getConfig } from "@/lib/config";
import { linkTokenSchema, passwordSchema } from "@/lib/auth/fields";
import { getServices } from "@/lib/services";
import { clientAddress } from "@/lib/http/client-address";
import { publicAction } from "@/lib/http/action";
import { hashClientAddress } from "@/lib/keys";

const CHECK_EMAIL = "Check your email: if the address can be used, a link is on its way. It works once and expires in 30 minutes.";

function retryMessage(retryAt: number): string {
  const minutes = Math.max(1, Math.ceil((retryAt - Date.now()) / 60_000));
  return `Too many requests from here. Please try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

export const signUpAction = publicAction(
  z.object({ name: z.string().trim().min(1, "Tell us your name.").max(120), email: emailSchema, password: passwordSchema }),
  async (input, ctx) => {
    const runtime = await getServices();
    const result = await signUp(runtime, input, hashClientAddress(clientAddress(ctx.headers)));
    if (result.ok) return { ok: true, message: CHECK_EMAIL };
    if (result.reason === "rate_limited") return { message: retryMessage(result.retryAt) };
    return { fieldErrors: { password: result.message }, message: "Please choose a stronger password." };
  },
);

export const forgotPasswordAction = publicAction(z.object({ email: emailSchema }), async ({ email }, ctx) => {
  const runtime = await getServices();
  const result = await requestPasswordReset(runtime, email, hashClientAddress(clientAddress(ctx.headers)));
  if (!result.ok) return { message: retryMessage(result.retryAt) };
  return { ok: true, message: "If an account uses that address, we have emailed it a reset link. It works once and expires in 30 minutes." };
});

export const resetPasswordAction = publicAction(z.object({ token: linkTokenSchema, password: passwordSchema }), async ({ token, password }) => {
  const runtime = await getServices();
  const result = await resetPassword(runtime.db, token, password);
  if (!result.ok) return result.reason === "weak" ? { fieldErrors: { password: result.message } } : { message: result.message };
  // The link proved the mailbox: this browser gets past a lockout of the account (lib/auth/device-cookie.ts).
  const secure = getConfig().secureCookies;
  const device = await signDeviceToken(result.userId, runtime.secret, { emailHash: result.emailHash, epoch: result.deviceEpoch });
  (await cookies()).set(deviceCookieName(secure), device, deviceCookieOptions(secure));
  return { ok: true, message: "Your password has been changed and every session was signed out. You can sign in now." };
});

export const verifyEmailAction = publicAction(z.object({ token: linkTokenSchema }), async ({ token }) => {
  const runtime = await getServices();
  if (!(await verifyEmail(runtime.db, token)))
    return { message: "This link has expired or was already used. Sign in and we will send you a new one." };
  return { ok: true, message: "Your email address is confirmed. You can sign in now." };
});
