import "server-only";
import type { Queryable } from "@/lib/db";
import { recordAuditEvent } from "@/lib/audit";
import { hashEmail } from "./email";
import type { AuthLimiters } from "./limits";
import { consumeRecoveryCode, remainingRecoveryCodes } from "./recovery-codes";
import { hasTotp, verifyTotpCode } from "./totp";
import { hasSecurityKeys, verifySecurityKeyAssertion, type RelyingParty } from "./webauthn";

export type SecondFactorMethod = "totp" | "recovery_code" | "webauthn";

/** What the person presents: a code from their app, one of their recovery codes, or a security key's answer (JSON). */
export type SecondFactorProof = { method: "totp"; code: string } | { method: "recovery_code"; code: string } | { method: "webauthn"; response: string };

/** Why a factor is checked: to sign in, or to confirm a change that strips a factor from an open session. */
export type SecondFactorPurpose = "sign_in" | "disable_totp" | "remove_security_key";

export type SecondFactorCheck =
  | { ok: true; method: SecondFactorMethod }
  | { ok: false; reason: "failed" | "no_such_factor"; method: SecondFactorMethod }
  | { ok: false; reason: "rate_limited"; retryAt: number };

export type SecondFactorDeps = {
  db: Queryable;
  limiters: Pick<AuthLimiters, "secondFactorPerAccount">;
  /** The WebAuthn relying party; the configured public URL unless a test says otherwise. */
  rp?: RelyingParty;
};

/** A code typed into the one code field: six digits are an app code, anything else a recovery code. */
export function codeProof(code: string): SecondFactorProof {
  const trimmed = code.trim();
  return /^\d{6}$/.test(trimmed) ? { method: "totp", code: trimmed } : { method: "recovery_code", code: trimmed };
}

function hasFactor(db: Queryable, userId: string, method: SecondFactorMethod): Promise<boolean> {
  if (method === "totp") return hasTotp(db, userId);
  if (method === "webauthn") return hasSecurityKeys(db, userId);
  return remainingRecoveryCodes(db, userId).then((n) => n > 0);
}

function verify(deps: SecondFactorDeps, userId: string, purpose: SecondFactorPurpose, proof: SecondFactorProof): Promise<boolean> {
  if (proof.method === "totp") return verifyTotpCode(deps.db, userId, proof.code);
  if (proof.method === "recovery_code") return consumeRecoveryCode(deps.db, userId, proof.code);
  return verifySecurityKeyAssertion(deps.db, userId, purpose === "sign_in" ? "sign_in" : "step_up", proof.response, deps.rp);
}

/**
 * The one check of a second factor, for every purpose. Each attempt is first counted against the
 * account's one second-factor budget (keyed by its email hash), so guesses at sign-in, at turning
 * off the app and at removing a key all draw on the same few tries, and the (N+1)th is refused even
 * when right. A refused step-up is recorded in the person's activity; sign-in records its own
 * attempts in the sign-in history.
 */
export async function checkSecondFactor(
  deps: SecondFactorDeps,
  account: { id: string; email: string },
  purpose: SecondFactorPurpose,
  proof: SecondFactorProof,
): Promise<SecondFactorCheck> {
  const limit = await deps.limiters.secondFactorPerAccount.limit(hashEmail(account.email));
  const result: SecondFactorCheck = !limit.success
    ? { ok: false, reason: "rate_limited", retryAt: limit.reset }
    : !(await hasFactor(deps.db, account.id, proof.method))
      ? { ok: false, reason: "no_such_factor", method: proof.method }
      : (await verify(deps, account.id, purpose, proof))
        ? { ok: true, method: proof.method }
        : { ok: false, reason: "failed", method: proof.method };
  if (!result.ok && purpose !== "sign_in")
    await recordAuditEvent(deps.db, {
      orgId: null,
      actor: { kind: "member", id: account.id },
      action: "auth.step_up.failed",
      metadata:
        result.reason === "rate_limited" ? { purpose, reason: "rate_limited" } : { purpose, reason: "second_factor_failed", secondFactor: result.method },
    });
  return result;
}
