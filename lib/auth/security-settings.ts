import "server-only";
import type { Database, Queryable } from "@/lib/db";
import { recordAuditEvent } from "@/lib/audit";
import { clearRecoveryCodes, issueRecoveryCodes } from "./recovery-codes";
import { checkSecondFactor, type SecondFactorCheck, type SecondFactorDeps, type SecondFactorProof } from "./second-factor";
import { revokeSessions } from "./sessions";
import { confirmTotpEnrolment, hasTotp, removeTotp } from "./totp";
import { finishSecurityKeyRegistration, hasSecurityKeys, removeSecurityKey, type RegistrationResult } from "./webauthn";

// The changes a signed-in person makes on their own security page, each with its audit event.

type Deps = SecondFactorDeps & { db: Database };
type Account = { id: string; email: string };
type RefusedCheck = Extract<SecondFactorCheck, { ok: false }>;

const me = (userId: string) => ({ orgId: null, actor: { kind: "member" as const, id: userId } });

/** Recovery codes stand in for any factor: they go once no TOTP app and no security key is left. */
async function clearRecoveryCodesIfNoFactorLeft(tx: Queryable, userId: string): Promise<void> {
  if (!(await hasTotp(tx, userId)) && !(await hasSecurityKeys(tx, userId))) await clearRecoveryCodes(tx, userId);
}

export type TotpConfirmation = { ok: true; recoveryCodes: string[] } | { ok: false; reason: "wrong_code" };

/** Turns the app on with its first code, and hands out new recovery codes (shown once). */
export async function confirmTotp(db: Database, userId: string, code: string): Promise<TotpConfirmation> {
  return db.transaction(async (tx) => {
    if (!(await confirmTotpEnrolment(tx, userId, code))) return { ok: false, reason: "wrong_code" } as const;
    await recordAuditEvent(tx, { ...me(userId), action: "auth.two_factor.enabled", metadata: { method: "totp" } });
    return { ok: true, recoveryCodes: await issueRecoveryCodes(tx, userId) } as const;
  });
}

export type TotpDisabling = { ok: true } | { ok: false; reason: "already_off" } | RefusedCheck;

/** Turning the app off needs a fresh second factor (an app or recovery code), not just the session. */
export async function disableTotp(deps: Deps, account: Account, proof: SecondFactorProof): Promise<TotpDisabling> {
  if (!(await hasTotp(deps.db, account.id))) return { ok: false, reason: "already_off" };
  const checked = await checkSecondFactor(deps, account, "disable_totp", proof);
  if (!checked.ok) return checked;
  await deps.db.transaction(async (tx) => {
    await removeTotp(tx, account.id);
    await recordAuditEvent(tx, { ...me(account.id), action: "auth.two_factor.disabled", metadata: { method: "totp" } });
    await clearRecoveryCodesIfNoFactorLeft(tx, account.id);
  });
  return { ok: true };
}

export type SecurityKeyAddition = { ok: true; recoveryCodes: string[] | null } | Extract<RegistrationResult, { ok: false }>;

/**
 * Stores a key from the browser's answer to a registration challenge. A person whose first second
 * factor this is also gets recovery codes, shown once, so that losing the key does not lock them out.
 */
export async function addSecurityKey(deps: Pick<Deps, "db" | "rp">, userId: string, input: { name: string; response: string }): Promise<SecurityKeyAddition> {
  return deps.db.transaction(async (tx) => {
    const firstFactor = !(await hasTotp(tx, userId)) && !(await hasSecurityKeys(tx, userId));
    const registered = await finishSecurityKeyRegistration(tx, userId, input, deps.rp);
    if (!registered.ok) return registered;
    await recordAuditEvent(tx, { ...me(userId), action: "auth.webauthn.added" });
    return { ok: true, recoveryCodes: firstFactor ? await issueRecoveryCodes(tx, userId) : null };
  });
}

export type SecurityKeyRemoval = { ok: true } | { ok: false; reason: "already_removed" } | RefusedCheck;

/**
 * Removing a key needs a fresh factor (a touch of any of the person's keys, an app code, or a
 * recovery code for a lost key): the session alone, a borrowed laptop or a stolen cookie, cannot strip a factor.
 */
export async function removeOwnSecurityKey(deps: Deps, account: Account, credentialId: string, proof: SecondFactorProof): Promise<SecurityKeyRemoval> {
  const checked = await checkSecondFactor(deps, account, "remove_security_key", proof);
  if (!checked.ok) return checked;
  return deps.db.transaction(async (tx) => {
    if (!(await removeSecurityKey(tx, account.id, credentialId))) return { ok: false, reason: "already_removed" } as const;
    await recordAuditEvent(tx, { ...me(account.id), action: "auth.webauthn.removed" });
    await clearRecoveryCodesIfNoFactorLeft(tx, account.id);
    return { ok: true } as const;
  });
}

/** Signs out one of the person's own sessions; returns whether there was one to sign out. */
export async function revokeOwnSession(db: Database, userId: string, sessionId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    if ((await revokeSessions(tx, { userId, only: sessionId }, "revoked_by_user")) === 0) return false;
    await recordAuditEvent(tx, { ...me(userId), action: "session.revoked", target: { type: "session", id: sessionId }, metadata: { reason: "user" } });
    return true;
  });
}

/** Signs out every session of the person but the one in use; returns how many. */
export async function revokeOtherSessions(db: Database, userId: string, keepSessionId: string): Promise<number> {
  return db.transaction(async (tx) => {
    const count = await revokeSessions(tx, { userId, except: keepSessionId }, "revoked_all_others");
    if (count > 0) await recordAuditEvent(tx, { ...me(userId), action: "session.revoked_all", metadata: { reason: "user", count } });
    return count;
  });
}
