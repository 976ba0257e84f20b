import "server-only";
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { eq } from "drizzle-orm";
import { signInAttempts, users, type SignInOutcome, type User } from "@/db/schema";
import type { Database } from "@/lib/db";
import { hashClientAddress } from "@/lib/keys";
import { recordAuditEvent } from "@/lib/audit";
import { metrics } from "@/lib/metrics";
import { describeDevice } from "./device";
import { hashEmail, normalizeAccountEmail } from "./email";
import type { AuthLimiters } from "./limits";
import { dummyPasswordHash, verifyPassword } from "./password";
import { checkSecondFactor, type SecondFactorProof } from "./second-factor";
import { createSession, type SessionPolicy } from "./sessions";
import { hasTotp } from "./totp";
import { beginSecurityKeyAuthentication, hasSecurityKeys, type RelyingParty } from "./webauthn";

export type SignInInput = {
  email: string;
  password: string;
  totpCode?: string;
  recoveryCode?: string;
  /** The JSON of a WebAuthn assertion, answering a challenge from `beginSecurityKeySignIn`. */
  webauthnResponse?: string;
  clientAddress?: string | null;
  userAgent?: string | null;
};

export type SignInFailure = "invalid" | "second_factor_required" | "second_factor_failed" | "rate_limited" | "unverified" | "disabled";
/** The second factors a person can have; recovery codes come with either. */
export type SecondFactorKind = "totp" | "webauthn";
export type SignInResult =
  | { ok: true; userId: string; sessionId: string; secondFactor: string | null }
  | { ok: false; reason: SignInFailure; retryAt?: number; userId?: string; factors?: SecondFactorKind[] };

type Deps = {
  db: Database;
  limiters: AuthLimiters;
  policy: SessionPolicy;
  onEmailUnverified?: (userId: string) => Promise<void>;
  /** The WebAuthn relying party; the configured public URL unless a test says otherwise. */
  rp?: RelyingParty;
};

type PasswordFailure = { ok: false; reason: "invalid" | "rate_limited" | "unverified" | "disabled"; retryAt?: number };
type Recorder = (outcome: SignInOutcome, userId: string | null) => Promise<unknown>;

function signInMethod(input: SignInInput): string {
  if (input.recoveryCode) return "password+recovery_code";
  if (input.webauthnResponse) return "password+webauthn";
  return input.totpCode ? "password+totp" : "password";
}

/**
 * The password step shared by sign-in and the security-key options request. Every attempt is
 * counted against the account and the address before anything is checked (so the (N+1)th attempt
 * fails even with the right password), unknown accounts cost the same argon2 work as known ones,
 * and every refusal is recorded.
 */
const auditReasons = {
  wrong_password: "invalid_credentials",
  unknown_account: "unknown_account",
  second_factor_required: "second_factor_required",
  second_factor_failed: "second_factor_failed",
  rate_limited: "rate_limited",
  disabled: "account_disabled",
  unverified: "email_unverified",
} as const;

async function checkPassword(
  deps: Omit<Deps, "policy">,
  input: Pick<SignInInput, "email" | "password" | "clientAddress" | "userAgent">,
  method: string,
): Promise<{ ok: true; user: User; record: Recorder } | PasswordFailure> {
  const { db, limiters } = deps;
  const email = normalizeAccountEmail(input.email);
  const emailHash = hashEmail(email);
  const addressHash = hashClientAddress(input.clientAddress) ?? "unknown";

  const record: Recorder = async (outcome, userId) => {
    const clientAddressHash = hashClientAddress(input.clientAddress);
    await db.insert(signInAttempts).values({ userId, emailHash, outcome, method, clientAddressHash, deviceSummary: describeDevice(input.userAgent) });
    metrics().signIns.inc({ outcome });
    // Known accounts also get the attempt in their own activity (the audit chain for account events).
    if (!userId) return;
    const actor = { kind: "member" as const, id: userId };
    if (outcome === "succeeded") {
      const secondFactor = method.split("+")[1] as "totp" | "webauthn" | "recovery_code" | undefined;
      await recordAuditEvent(db, { orgId: null, actor, action: "auth.sign_in.succeeded", metadata: secondFactor ? { secondFactor } : {}, clientAddressHash });
    } else {
      await recordAuditEvent(db, { orgId: null, actor, action: "auth.sign_in.failed", metadata: { reason: auditReasons[outcome] }, clientAddressHash });
    }
  };

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
  return { ok: true, user, record };
}

/** The second factors a person has enrolled (confirmed TOTP, registered security keys). */
export async function enrolledSecondFactors(db: Database, userId: string): Promise<SecondFactorKind[]> {
  const [totp, keys] = await Promise.all([hasTotp(db, userId), hasSecurityKeys(db, userId)]);
  return [...(totp ? (["totp"] as const) : []), ...(keys ? (["webauthn"] as const) : [])];
}

export type VerifiedCredentials = { ok: true; user: User; secondFactor: string | null; record: Recorder };

/**
 * Password and second step, for a session or an API token: whoever has a factor enrolled never passes on the
 * password alone. The caller records the success once it has issued what was asked for.
 */
export async function verifyCredentials(deps: Omit<Deps, "policy">, input: SignInInput): Promise<VerifiedCredentials | Extract<SignInResult, { ok: false }>> {
  const { db } = deps;
  const password = await checkPassword(deps, input, signInMethod(input));
  if (!password.ok) return password;
  const { user, record } = password;

  let secondFactor: string | null = null;
  const factors = await enrolledSecondFactors(db, user.id);
  if (factors.length > 0) {
    if (!input.totpCode && !input.recoveryCode && !input.webauthnResponse) {
      await record("second_factor_required", user.id);
      return { ok: false, reason: "second_factor_required", userId: user.id, factors };
    }
    const proof: SecondFactorProof = input.recoveryCode
      ? { method: "recovery_code", code: input.recoveryCode }
      : input.webauthnResponse
        ? { method: "webauthn", response: input.webauthnResponse }
        : { method: "totp", code: input.totpCode ?? "" };
    const checked = await checkSecondFactor(deps, user, "sign_in", proof);
    if (!checked.ok && checked.reason === "rate_limited") {
      await record("rate_limited", user.id);
      return { ok: false, reason: "rate_limited", retryAt: checked.retryAt };
    }
    if (!checked.ok) {
      await record("second_factor_failed", user.id);
      return { ok: false, reason: "second_factor_failed" };
    }
    secondFactor = checked.method;
  }
  return { ok: true, user, secondFactor, record };
}

/**
 * Password sign-in with the second step. Whoever has a factor enrolled never gets a session from
 * the password alone: they are told which factors they have and must present one of them.
 */
export async function signInWithPassword(deps: Deps, input: SignInInput): Promise<SignInResult> {
  const verified = await verifyCredentials(deps, input);
  if (!verified.ok) return verified;
  const { user, secondFactor, record } = verified;
  const session = await createSession(deps.db, {
    userId: user.id,
    userAgent: input.userAgent,
    clientAddress: input.clientAddress,
    secondFactor,
    policy: deps.policy,
  });
  await record("succeeded", user.id);
  return { ok: true, userId: user.id, sessionId: session.id, secondFactor };
}

export type SecurityKeySignInStart = { ok: true; options: PublicKeyCredentialRequestOptionsJSON } | PasswordFailure;

/**
 * The challenge for signing in with a security key. It re-checks the password under the same
 * limits as sign-in, so it is no shortcut for guessing passwords or probing accounts, and answers
 * "invalid" alike for a wrong password and for an account without keys. A refusal is recorded; a
 * challenge is not (the attempt is recorded when it ends, by `signInWithPassword`).
 */
export async function beginSecurityKeySignIn(
  deps: Deps,
  input: Pick<SignInInput, "email" | "password" | "clientAddress" | "userAgent">,
): Promise<SecurityKeySignInStart> {
  const checked = await checkPassword(deps, input, "password+webauthn");
  if (!checked.ok) return checked;
  const options = await beginSecurityKeyAuthentication(deps.db, checked.user.id, "sign_in", deps.rp);
  return options ? { ok: true, options } : { ok: false, reason: "invalid" };
}
