import { z } from "zod";
import { MAX_PASSWORD_LENGTH } from "./strength";

// Form fields the account pages share; the rules on their content (strength, validity) live in the lib functions.

/** A new password: only the length is bounded here, strength is judged by `assessPassword`. */
export const passwordSchema = z.string().max(MAX_PASSWORD_LENGTH, `Use at most ${MAX_PASSWORD_LENGTH} characters.`);

/**
 * The email and password of a sign-in, as typed: bounded only, since the sign-in answers a malformed
 * address or an over-long password like any wrong one.
 */
export const signInCredentialsSchema = z.object({ email: z.string().max(254), password: z.string().max(1024) });

/** A password the person must type (current password, new password on the security page). */
export const requiredPasswordSchema = passwordSchema.min(1, "Enter your password.");

/** The token of an emailed link (verify email, reset password). */
export const linkTokenSchema = z.string().min(10).max(100);

/** A code from an authenticator app. */
export const totpCodeSchema = z.string().trim().regex(/^\d{6}$/, "Enter the 6 digits your app shows.");

/** The one code field of a step-up: an app code or a recovery code. */
export const secondFactorCodeSchema = z.string().trim().min(6).max(32);
