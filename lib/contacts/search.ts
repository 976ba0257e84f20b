import "server-only";
import { arrayContains, eq, type SQL } from "drizzle-orm";
import { contacts } from "@/db/schema";
import { blindIndexer, NormalizationError } from "@/lib/crypto";
import type { Transaction } from "@/lib/db/client";
import { nameTokenizer } from "./name-tokens";

/** The contacts search box: exact email or phone through the blind indexes, name words through the name tokens. */

export type ContactSearchKind = "email" | "phone" | "name";

/** How a search box query is read: an email, a phone number (4+ digits and separators), or name words. */
export function classifySearch(q: string): ContactSearchKind {
  if (q.includes("@")) return "email";
  if (/^\+?[\d\s().\-/]+$/.test(q) && (q.match(/\d/g)?.length ?? 0) >= 4) return "phone";
  return "name";
}

/** The condition for a search, or null when the query cannot match anything (a malformed email, a name of punctuation). */
export async function searchCondition(tx: Transaction, orgId: string, q: string, kind: ContactSearchKind): Promise<SQL | null> {
  if (kind === "name") {
    const tokens = (await nameTokenizer(tx, orgId)).forQuery(q);
    if (tokens.length === 0) return null;
    // Every query word must match one of the contact's name prefixes (the GIN index answers it).
    return arrayContains(contacts.nameTokens, tokens);
  }
  const index = await blindIndexer(tx, orgId);
  try {
    return kind === "email" ? eq(contacts.emailIndex, index("email", q)) : eq(contacts.phoneIndex, index("phone", q));
  } catch (err) {
    if (err instanceof NormalizationError) return null;
    throw err;
  }
}
