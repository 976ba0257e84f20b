"use server";

import { z } from "zod";
import { requestPasswordReset, resetPassword, signUp, verifyEmail } from "@/lib/auth/accounts";
import { emailSchema, hashEmail } from "@/lib/auth/email";
import { getAuthRuntime } from "@/lib/auth/runtime";
import { MAX_PASSWORD_LENGTH } from "@/lib/auth/strength";
import { clientAddress } from "@/lib/http/client-address";
import { publicAction } from "@/lib/http/action";
import { hashClientAddress } from "@/lib/keys";

const password = z.string().max(MAX_PASSWORD_LENGTH, `Use at most ${MAX_PASSWORD_LENGTH} characters.`);
const CHECK_EMAIL = "Check your email: if the address can be used, a link is on its way. It works once and expires in 30 minutes.";

function retryMessage(reset: number): string {
  const minutes = Math.max(1, Math.ceil((reset - Date.now()) / 60_000));
  return `Too many requests from here. Please try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

export const signUpAction = publicAction(
  z.object({ name: z.string().trim().min(1, "Tell us your name.").max(120), email: emailSchema, password }),
  async (input, ctx) => {
    const runtime = await getAuthRuntime();
    const limit = await runtime.limiters.signUpPerAddress.limit(hashClientAddress(clientAddress(ctx.headers)) ?? "unknown");
    if (!limit.success) return { message: retryMessage(limit.reset) };
    const result = await signUp(runtime, input);
    if (!result.ok) return { fieldErrors: { password: result.message }, message: "Please choose a stronger password." };
    return { ok: true, message: CHECK_EMAIL };
  },
);

export const forgotPasswordAction = publicAction(z.object({ email: emailSchema }), async ({ email }, ctx) => {
  const runtime = await getAuthRuntime();
  const [perAddress, perAccount] = await Promise.all([
    runtime.limiters.resetPerAddress.limit(hashClientAddress(clientAddress(ctx.headers)) ?? "unknown"),
    runtime.limiters.resetPerAccount.limit(hashEmail(email)),
  ]);
  if (!perAddress.success) return { message: retryMessage(perAddress.reset) };
  // Over the per-account limit we answer as usual but send nothing more: no inbox flooding, no enumeration.
  if (perAccount.success) await requestPasswordReset(runtime, email);
  return { ok: true, message: "If an account uses that address, we have emailed it a reset link. It works once and expires in 30 minutes." };
});

export const resetPasswordAction = publicAction(z.object({ token: z.string().min(10).max(100), password }), async ({ token, password }) => {
  const runtime = await getAuthRuntime();
  const result = await resetPassword(runtime.db, token, password);
  if (!result.ok) return result.reason === "weak" ? { fieldErrors: { password: result.message } } : { message: result.message };
  return { ok: true, message: "Your password has been changed and every session was signed out. You can sign in now." };
});

export const verifyEmailAction = publicAction(z.object({ token: z.string().min(10).max(100) }), async ({ token }) => {
  const runtime = await getAuthRuntime();
  if (!(await verifyEmail(runtime.db, token)))
    return { message: "This link has expired or was already used. Sign in and we will send you a new one." };
  return { ok: true, message: "Your email address is confirmed. You can sign in now." };
});
