import "server-only";
import { desc, eq } from "drizzle-orm";
import { consentRecords } from "@/db/schema";
import type { Database } from "@/lib/db";
import { hashClientAddress } from "@/lib/keys";
import { CONSENT_POLICY_VERSION, categoriesFor, type ConsentChoice, type ConsentState } from "./consent-policy";

/**
 * Records a cookie choice as proof (consent id, categories, policy version, time, keyed hash of the
 * address) and returns the state for the cookie. A change of mind keeps the consent id and adds a row.
 */
export async function recordConsent(
  db: Database,
  input: { choice: ConsentChoice; previousConsentId?: string; userId?: string; clientAddress?: string | null },
): Promise<ConsentState> {
  const consentId = input.previousConsentId ?? crypto.randomUUID();
  const categories = categoriesFor(input.choice);
  await db.insert(consentRecords).values({
    consentId,
    choice: input.choice.choice,
    categories,
    policyVersion: CONSENT_POLICY_VERSION,
    userId: input.userId,
    clientAddressHash: hashClientAddress(input.clientAddress),
  });
  return { consentId, policyVersion: CONSENT_POLICY_VERSION, categories };
}

/** The proof trail of one consent id, newest first. */
export function consentHistory(db: Database, consentId: string) {
  return db.select().from(consentRecords).where(eq(consentRecords.consentId, consentId)).orderBy(desc(consentRecords.createdAt));
}
