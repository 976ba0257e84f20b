import "server-only";
import { desc, eq } from "drizzle-orm";
import { signInAttempts } from "@/db/schema";
import type { Database } from "@/lib/db";

/** A person's own sign-in history, newest first. */
export function listSignInHistory(db: Database, userId: string, limit = 20) {
  return db
    .select({
      id: signInAttempts.id,
      outcome: signInAttempts.outcome,
      method: signInAttempts.method,
      deviceSummary: signInAttempts.deviceSummary,
      createdAt: signInAttempts.createdAt,
    })
    .from(signInAttempts)
    .where(eq(signInAttempts.userId, userId))
    .orderBy(desc(signInAttempts.createdAt))
    .limit(limit);
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
