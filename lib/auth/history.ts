import "server-only";
import { and, desc, eq, gte, inArray, isNull, or, sql } from "drizzle-orm";
import { signInAttempts } from "@/db/schema";
import type { Database } from "@/lib/db";
import { hashEmail } from "./email";

/** Whose history: the account, and its email address for attempts recorded before the account was looked up. */
export type HistoryOwner = { id: string; email: string };

/**
 * A person's attempts: those recorded against the account, and those refused before any lookup (a full verification
 * pool answers 429 without reading the account) under the keyed hash of the account's email.
 */
const attemptsOf = (owner: HistoryOwner) =>
  or(eq(signInAttempts.userId, owner.id), and(isNull(signInAttempts.userId), eq(signInAttempts.emailHash, hashEmail(owner.email))))!;

/** A person's own sign-in history, newest first. */
export function listSignInHistory(db: Database, owner: HistoryOwner, limit = 20) {
  return db
    .select({
      id: signInAttempts.id,
      outcome: signInAttempts.outcome,
      method: signInAttempts.method,
      deviceSummary: signInAttempts.deviceSummary,
      createdAt: signInAttempts.createdAt,
    })
    .from(signInAttempts)
    .where(attemptsOf(owner))
    .orderBy(desc(signInAttempts.createdAt))
    .limit(limit);
}

export type AttackSummary = { since: Date; wrongPasswords: number; refused: number; addresses: number };

/**
 * Failed guesses at a person's account over the last day: wrong passwords, attempts refused by the limits (a lockout
 * or a flood), and from how many client addresses (keyed hashes, counted, never shown). Null when there were none.
 */
export async function signInAttackSummary(db: Database, owner: HistoryOwner, hours = 24): Promise<AttackSummary | null> {
  const since = new Date(Date.now() - hours * 3600_000);
  const [row] = await db
    .select({
      wrongPasswords: sql<number>`count(*) filter (where ${signInAttempts.outcome} = 'wrong_password')`.mapWith(Number),
      refused: sql<number>`count(*) filter (where ${signInAttempts.outcome} = 'rate_limited')`.mapWith(Number),
      addresses: sql<number>`count(distinct ${signInAttempts.clientAddressHash})`.mapWith(Number),
    })
    .from(signInAttempts)
    .where(and(attemptsOf(owner), gte(signInAttempts.createdAt, since), inArray(signInAttempts.outcome, ["wrong_password", "rate_limited"])));
  if (!row || row.wrongPasswords + row.refused === 0) return null;
  return { since, ...row };
}

/** The summary as the person reads it on /settings/security. */
export function describeAttack(a: AttackSummary): string {
  const count = (n: number, one: string, many: string) => `${n.toLocaleString("en-GB")} ${n === 1 ? one : many}`;
  const parts = [
    a.wrongPasswords > 0 ? count(a.wrongPasswords, "wrong password", "wrong passwords") : null,
    a.refused > 0 ? count(a.refused, "refused attempt", "refused attempts") : null,
  ].filter(Boolean);
  return `In the last 24 hours: ${parts.join(" and ")} from ${count(a.addresses, "address", "addresses")}.`;
}

export const outcomeLabels: Record<string, string> = {
  succeeded: "Signed in",
  wrong_password: "Wrong password",
  unknown_account: "Unknown account",
  second_factor_required: "Password correct, code requested",
  second_factor_failed: "Wrong code",
  rate_limited: "Refused: too many attempts",
  disabled: "Refused: account disabled",
  unverified: "Refused: email not confirmed",
};
