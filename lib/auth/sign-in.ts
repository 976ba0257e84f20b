import "server-only";
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { eq } from "drizzle-orm";
import { signInAttempts, users, type SignInOutcome, type User } from "@/db/schema";
import type { Database } from "@/lib/db";
import { hashClientAddress } from "@/lib/keys";
import { recordAuditEvent } from "@/lib/audit";
import { metrics } from "@/lib/metrics";
import { describeDevice } from "./device";
import { deviceMatchesEmail, readDeviceToken, signDeviceToken, verifyDeviceToken, type DeviceClaims } from "./device-cookie";
import { hashEmail, normalizeAccountEmail } from "./email";
import { defaultVerificationPool, type AuthLimiters, type SignInGuard } from "./limits";
import { dummyPasswordHash, verifyPassword } from "./password";
import { checkSecondFactor, type SecondFactorProof } from "./second-factor";
import { createSession, type SessionPolicy } from "./sessions";
import { hasTotp } from "./totp";
import { VerificationPoolFullError, type Admission } from "./verify-pool";
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
  /** The device cookie from an earlier sign-in in this browser, if it sent one. */
  deviceToken?: string | null;
};

export type SignInFailure = "invalid" | "second_factor_required" | "second_factor_failed" | "rate_limited" | "unverified" | "disabled";
/** The second factors a person can have; recovery codes come with either. */
export type SecondFactorKind = "totp" | "webauthn";
export type SignInResult =
  | { ok: true; userId: string; sessionId: string; secondFactor: string | null; /** A fresh device cookie for this browser. */ deviceToken?: string }
  | { ok: false; reason: SignInFailure; retryAt?: number; userId?: string; factors?: SecondFactorKind[] };

type Deps = {
  db: Database;
  limiters: AuthLimiters;
  policy: SessionPolicy;
  onEmailUnverified?: (userId: string) => Promise<void>;
  /** The WebAuthn relying party; the configured public URL unless a test says otherwise. */
  rp?: RelyingParty;
  /** The flood defences (services.ts always passes them); without, only the process's verification pool applies. */
  guard?: SignInGuard;
};

type PasswordFailure = { ok: false; reason: "invalid" | "rate_limited" | "unverified" | "disabled"; retryAt?: number };
type PasswordSuccess = { ok: true; user: User; record: Recorder; device: DeviceClaims | null };
type Recorder = (outcome: SignInOutcome, userId: string | null) => Promise<unknown>;

function signInMethod(input: SignInInput): string {
  if (input.recoveryCode) return "password+recovery_code";
  if (input.webauthnResponse) return "password+webauthn";
  return input.totpCode ? "password+totp" : "password";
}

const auditReasons = {
  wrong_password: "invalid_credentials",
  unknown_account: "unknown_account",
  second_factor_required: "second_factor_required",
  second_factor_failed: "second_factor_failed",
  rate_limited: "rate_limited",
  disabled: "account_disabled",
  unverified: "email_unverified",
} as const;

/**
 * The password step shared by sign-in and the security-key options request. Every attempt is
 * counted against the account and the address before anything is checked (so the (N+1)th attempt
 * fails even with the right password), unknown accounts cost the same argon2 work as known ones,
 * and every refusal is recorded. A flood is refused before argon2 runs, and mostly before any database work: first by
 * what this process already knows (knownRefusal), then by admission into the verification pool, which bounds the
 * attempts between their first lookup and their end; then the in-process burst limit per address, the shared limits,
 * and a slot for argon2. A browser whose device cookie names the submitted email (its keyed hash) is admitted in its
 * own lane without a lookup; a browser with a valid device cookie for this account counts against its own limit
 * instead of the account's (a lockout never reaches it) and goes ahead of the queue for a slot.
 */
async function checkPassword(
  deps: Omit<Deps, "policy">,
  input: Pick<SignInInput, "email" | "password" | "clientAddress" | "userAgent" | "deviceToken">,
  method: string,
): Promise<PasswordSuccess | PasswordFailure> {
  const { db, guard } = deps;
  const email = normalizeAccountEmail(input.email);
  const emailHash = hashEmail(email);
  const addressHash = hashClientAddress(input.clientAddress) ?? "unknown";

  const record: Recorder = async (outcome, userId) => {
    const clientAddressHash = hashClientAddress(input.clientAddress);
    const row = { userId, emailHash, method, clientAddressHash, deviceSummary: describeDevice(input.userAgent) };
    // Refusals are what a flood is made of: written in batches, one insert a second.
    if (outcome === "rate_limited" && guard) guard.recorder.add(row);
    else await db.insert(signInAttempts).values({ ...row, outcome });
    metrics().signIns.inc({ outcome });
    // Known accounts also get the attempt in their own activity (the audit chain for account events).
    if (!userId) return;
    // A flood at one account is shown by its sign-in history; the audit chain gets a sample of the refusals.
    if (outcome === "rate_limited" && guard && !(await guard.refusalAuditPerAccount.limit(userId)).success) return;
    const actor = { kind: "member" as const, id: userId };
    if (outcome === "succeeded") {
      const secondFactor = method.split("+")[1] as "totp" | "webauthn" | "recovery_code" | undefined;
      await recordAuditEvent(db, { orgId: null, actor, action: "auth.sign_in.succeeded", metadata: secondFactor ? { secondFactor } : {}, clientAddressHash });
    } else {
      await recordAuditEvent(db, { orgId: null, actor, action: "auth.sign_in.failed", metadata: { reason: auditReasons[outcome] }, clientAddressHash });
    }
  };

  if (guard) {
    const known = await knownRefusal(guard, { emailHash, addressHash, deviceToken: input.deviceToken });
    if (known) {
      await record("rate_limited", known.userId);
      return { ok: false, reason: "rate_limited", retryAt: known.until };
    }
  }
  // Admitted before any database work: a browser whose device cookie names this email in the device lane, everyone
  // else in the bounded ordinary lane, where a full gate answers 429 before a lookup, a limiter call or argon2.
  const claimed = guard ? await readDeviceToken(input.deviceToken, guard.deviceSecret) : null;
  let admission: Admission;
  try {
    admission = (guard?.pool ?? defaultVerificationPool()).admit(deviceMatchesEmail(claimed, emailHash));
  } catch (err) {
    if (!(err instanceof VerificationPoolFullError)) throw err;
    await record("rate_limited", null);
    return { ok: false, reason: "rate_limited", retryAt: err.retryAt };
  }
  try {
    return await checkAdmitted({ ...deps, admission, record }, input, email, emailHash, addressHash);
  } finally {
    admission.release();
  }
}

/** The password step of an admitted attempt: lookup, device, limits, argon2 in a slot, and the outcome recorded. */
async function checkAdmitted(
  deps: Omit<Deps, "policy"> & { admission: Admission; record: Recorder },
  input: Pick<SignInInput, "password" | "deviceToken">,
  email: string,
  emailHash: string,
  addressHash: string,
): Promise<PasswordSuccess | PasswordFailure> {
  const { db, limiters, guard, admission, record } = deps;
  const [user] = await db.select().from(users).where(eq(users.email, email));
  const refuse = async (retryAt: number): Promise<PasswordFailure> => {
    await record("rate_limited", user?.id ?? null);
    return { ok: false, reason: "rate_limited", retryAt };
  };
  const device = guard && user ? await verifyDeviceToken(input.deviceToken, guard.deviceSecret, user) : null;
  // A recognised device is held to its own limit below instead (a person signing in again and again is no burst).
  if (guard && !device) {
    const burst = await guard.burstPerAddress.limit(addressHash);
    if (!burst.success) {
      guard.memo.blockAddress(addressHash, burst.reset);
      return refuse(burst.reset);
    }
  }
  const [perAccount, perAddress] = await Promise.all([
    device && guard ? guard.perDevice.limit(device.deviceId) : limiters.signInPerAccount.limit(emailHash),
    limiters.signInPerAddress.limit(addressHash),
  ]);
  if (!perAccount.success || !perAddress.success) {
    if (!perAddress.success) guard?.memo.blockAddress(addressHash, perAddress.reset);
    if (!perAccount.success && !device) guard?.memo.lockAccount(emailHash, user?.id ?? null, perAccount.reset);
    if (!perAccount.success && device) guard?.memo.blockDevice(device.deviceId, device.userId, perAccount.reset);
    return refuse(Math.max(perAccount.success ? 0 : perAccount.reset, perAddress.success ? 0 : perAddress.reset));
  }

  const hash = user?.passwordHash ?? (await dummyPasswordHash());
  // A recognised device's check runs here, at the server's priority; any other below it, where the process can.
  const background = device ? null : guard?.background;
  const verified = await admission.verify(device !== null, () => (background ? background.verify(hash, input.password) : verifyPassword(hash, input.password)));
  if (!user?.passwordHash) {
    await record("unknown_account", null);
    return { ok: false, reason: "invalid" };
  }
  if (!verified) {
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
  return { ok: true, user, record, device };
}

/**
 * A refusal this process already knows of (lib/auth/refusals.ts): the account is locked and the browser has no device
 * cookie of that account; the browser's device is over its own limit; or, for a browser with no valid device cookie at
 * all (those go on to be checked precisely), the address is over its limits; or the verification pool would refuse its
 * admission (a device cookie naming this email has its own lane). Costs no round trip; the route calls it before
 * next-auth does any work.
 */
export async function knownRefusal(
  guard: SignInGuard,
  at: { emailHash: string; addressHash: string; deviceToken?: string | null },
): Promise<{ until: number; userId: string | null } | null> {
  const lock = guard.memo.accountLocked(at.emailHash);
  const blocked = guard.memo.addressBlocked(at.addressHash);
  const busy = guard.pool.refusesOthers();
  if (!lock && blocked === null && !busy && !at.deviceToken) return null;
  const device = await readDeviceToken(at.deviceToken, guard.deviceSecret);
  // Only where the device lane would take it: in a browser shared by two people, the other one's sign-in is no business of it.
  const deviceBlocked = device && deviceMatchesEmail(device, at.emailHash) ? guard.memo.deviceBlocked(device.deviceId) : null;
  if (deviceBlocked) return deviceBlocked;
  if (lock && device?.userId !== lock.userId) return lock;
  if (blocked !== null && !device) return { until: blocked, userId: null };
  const refused = busy ? guard.pool.refuses(deviceMatchesEmail(device, at.emailHash)) : null;
  return refused ? { until: refused.retryAt, userId: null } : null;
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
  const deviceToken = deps.guard ? await signDeviceToken(user.id, deps.guard.deviceSecret, { emailHash: hashEmail(user.email), epoch: user.deviceEpoch }) : undefined;
  return { ok: true, userId: user.id, sessionId: session.id, secondFactor, deviceToken };
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
  input: Pick<SignInInput, "email" | "password" | "clientAddress" | "userAgent" | "deviceToken">,
): Promise<SecurityKeySignInStart> {
  const checked = await checkPassword(deps, input, "password+webauthn");
  if (!checked.ok) return checked;
  const options = await beginSecurityKeyAuthentication(deps.db, checked.user.id, "sign_in", deps.rp);
  return options ? { ok: true, options } : { ok: false, reason: "invalid" };
}
