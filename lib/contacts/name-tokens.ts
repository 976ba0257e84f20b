import "server-only";
import { blindIndexKey } from "@/lib/crypto/data-keys";
import { hmacSha256 } from "@/lib/crypto/hmac";
import type { Transaction } from "@/lib/db/client";

/**
 * Name search without names in clear. Each word of a name is folded (NFKD, marks dropped, lower case) and
 * its prefixes of 3 to 12 characters (the whole word if shorter) stored as HMACs under the campaign's
 * blind-index key, truncated to 12 bytes. A query word looks up its own token (its first 12 characters),
 * so "mar" finds "María" and "Marchetti". Without the key the tokens say only which contacts of one campaign
 * share a name prefix; decrypting every name to search would not scale past a few thousand contacts.
 */
export const NAME_TOKEN_MIN = 3;
export const NAME_TOKEN_MAX = 12;
const TOKEN_BYTES = 12;

/** Folded words of a name or query: "  Zoë O'Brien-Smith " → ["zoe", "o", "brien", "smith"]. */
export function nameWords(value: string): string[] {
  return value
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/** The plain prefixes stored for a name (before hashing), without duplicates. */
export function namePrefixes(name: string): string[] {
  const out = new Set<string>();
  for (const word of nameWords(name)) {
    const chars = Array.from(word);
    if (chars.length < NAME_TOKEN_MIN) out.add(word);
    for (let n = NAME_TOKEN_MIN; n <= Math.min(chars.length, NAME_TOKEN_MAX); n++) out.add(chars.slice(0, n).join(""));
  }
  return [...out];
}

/** The plain prefixes a query looks up: one per word (its first 12 characters), duplicates dropped. */
export function queryPrefixes(query: string): string[] {
  return [...new Set(nameWords(query).map((w) => Array.from(w).slice(0, NAME_TOKEN_MAX).join("")))];
}

export function nameTokenWithKey(key: Uint8Array, prefix: string): Buffer {
  return hmacSha256(key, [Buffer.from(`rampart/name-token/v1\0${prefix}`, "utf8")]).subarray(0, TOKEN_BYTES);
}

export type NameTokenizer = { forName(name: string): Buffer[]; forQuery(query: string): Buffer[] };

/** Prefixes a tokenizer remembers: enough for the first and family names of a large import, bounded all the same. */
const MEMO_PREFIXES = 20_000;

/**
 * Token functions under a key already held. Names repeat their words (a file of 50,000 people has a few thousand
 * first names and surnames), so each tokenizer remembers the tokens of the prefixes it has hashed, in memory only
 * and for its own lifetime (one batch, one import job): the same token, one HMAC instead of thousands.
 */
export function nameTokenizerWithKey(key: Uint8Array): NameTokenizer {
  const memo = new Map<string, Buffer>();
  const token = (prefix: string) => {
    let t = memo.get(prefix);
    if (t === undefined) {
      if (memo.size >= MEMO_PREFIXES) memo.clear();
      memo.set(prefix, (t = nameTokenWithKey(key, prefix)));
    }
    return t;
  };
  return {
    forName: (name) => namePrefixes(name).map(token),
    forQuery: (query) => queryPrefixes(query).map(token),
  };
}

/** Token functions for one campaign (one key lookup): what to store for a name, what to look up for a query. */
export async function nameTokenizer(tx: Transaction, orgId: string): Promise<NameTokenizer> {
  return nameTokenizerWithKey(await blindIndexKey(tx, orgId));
}
