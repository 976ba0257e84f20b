import "server-only";
import { eq } from "drizzle-orm";
import { signInAttempts, users, type SignInOutcome } from "@/db/schema";
import type { Database } from "@/lib/db";
import { hashClientAddress } from "@/lib/keys";
import { describeDevice } from "./device";
import { hashEmail } from "./email";
import type { AuthLimiters } from "./limits";
import { dummyPasswordHash, verifyPassword } from "./password";
import { consumeRecoveryCode } from "./recovery-codes";
import { createSession, type SessionPolicy } from "./sessions";
import { hasTotp, verifyTotpCode } from "./totp";

export type SignInInput = {
  email: string;
  password: string;
  totpCode?: string;
  recoveryCode?: string;
  clientAddress?: string | null;
  userAgent?: string | null;
};

export type SignInFailure = "invalid" | "second_factor_required" | "second_factor_failed" | "rate_limited" | "unverified" | "disabled";
export type SignInResult =
  | { ok: true; userId: string; sessionId: string; secondFactor: string | null }
  | { ok: false; reason: SignInFailure; retryAt?: number; userId?: string };

type Deps = { db: Database; limiters: AuthLimiters; policy: SessionPolicy; onEmailUnverified?: (userId: string) => Promise<void> };

/**
 * Password sign-in with the second step. Every attempt is counted against the account and the
 * address before anything is checked (so the (N+1)th attempt fails even with the right password),
 * unknown accounts cost the same argon2 work as known ones, and every outcome is recorded.
 */
export async function signInWithPassword(deps: Deps, input: SignInInput): Promise<SignInResult> {
  const { db, limiters } = deps;
  const email = input.email.trim().normalize("NFC").toLowerCase();
  const emailHash = hashEmail(email);
  const addressHash = hashClientAddress(input.clientAddress) ?? "unknown";
  const method = input.recoveryCode ? "password+recovery_code" : input.totpCode ? "password+totp" : "password";

  const record = (outcome: SignInOutcome, userId: string | null) =>
    db.insert(signInAttempts).values({
      userId,
      emailHash,
      outcome,
      method,
      clientAddressHash: hashClientAddress(input.clientAddress),
      deviceSummary: describeDevice(input.userAgent),
    });

  const [perAccount, perAddress] = await Promise.all([limiters.signInPerAccount.limit(emailHash), limiters.signInPerAddress.limit(addressHash)]);
  const [user] = await db.select().from(users).where(eq(users.email, email));
  if (!perAccount.success || !perAddress.success) {
    await record("rate_limited", user?.id ?? null);
    const retryAt = Math.max(perAccount.success ? 0 : perAccount.reset, perAddress.success ? 0 : perAddress.reset);
    return { ok: false, reason: "rate_limited", retryAt };
  }

  if (!user?.passwordHash) {
    await verifyPassword(await dummyPasswordHash(), input.password);
    await record("unknown_account", null);
    return { ok: false, reason: "invalid" };
  }
  if (!(await verifyPassword(user.passwordHash, input.password))) {
    await record("wrong_password", user.id);
    return { ok: false, reason: "invalid" };
  }
  if (user.disabledAt) {
    await record("disabled", user.id);
    return { ok: false, reason: "disabled" };
  }
  if (!user.emailVerifiedAt) {
    await record("unverified", user.id);
    await deps.onEmailUnverified?.(user.id);
    return { ok: false, reason: "unverified" };
  }

  let secondFactor: string | null = null;
  if (await hasTotp(db, user.id)) {
    if (!input.totpCode && !input.recoveryCode) {
      await record("second_factor_required", user.id);
      return { ok: false, reason: "second_factor_required", userId: user.id };
    }
    const factorLimit = await limiters.secondFactorPerAccount.limit(emailHash);
    if (!factorLimit.success) {
      await record("rate_limited", user.id);
      return { ok: false, reason: "rate_limited", retryAt: factorLimit.reset };
    }
    const passed = input.recoveryCode
      ? await consumeRecoveryCode(db, user.id, input.recoveryCode)
      : await verifyTotpCode(db, user.id, input.totpCode ?? "");
    if (!passed) {
      await record("second_factor_failed", user.id);
      return { ok: false, reason: "second_factor_failed" };
    }
    secondFactor = input.recoveryCode ? "recovery_code" : "totp";
  }

  const session = await createSession(db, {
    userId: user.id,
    userAgent: input.userAgent,
    clientAddress: input.clientAddress,
    secondFactor,
    policy: deps.policy,
  });
  await record("succeeded", user.id);
  return { ok: true, userId: user.id, sessionId: session.id, secondFactor };
}
