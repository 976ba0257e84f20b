import "server-only";
import type { Transaction } from "@/lib/db/client";
import { blindIndexKey } from "./data-keys";
import { hmacSha256 } from "./hmac";

/**
 * Blind indexes: HMAC-SHA256 under the organisation's own index key over a normalised value, for
 * exact lookup and de-duplication of sealed emails and phone numbers. They reveal which rows of one
 * organisation share a value (and how many), nothing across organisations, and nothing without the
 * key: no dictionary of known emails can be hashed against them.
 */
export type BlindIndexKind = "email" | "phone";

export class NormalizationError extends Error {
  constructor(kind: BlindIndexKind) {
    super(`Not a usable ${kind === "email" ? "email address" : "phone number"}`);
    this.name = "NormalizationError";
  }
}

/** Trimmed, NFC, lower-case: "  Zoë@Example.ORG " and "zoë@example.org" are one address. */
export function normalizeEmail(value: string): string {
  const v = value.normalize("NFC").trim().toLowerCase().normalize("NFC");
  if (v.length < 3 || v.length > 320 || !/^[^\s@]+@[^\s@]+$/.test(v)) throw new NormalizationError("email");
  return v;
}

export type PhoneOptions = { /** Country calling code for numbers written without one, e.g. "44". */ defaultCallingCode?: string };

/**
 * Digits in E.164 form where the country is known ("+442079460958"): separators dropped, "00" read as
 * "+", a national trunk "0" replaced by the default calling code. Without either, the national digits.
 */
export function normalizePhone(value: string, options: PhoneOptions = {}): string {
  const v = value.normalize("NFKC").trim().replace(/[\s().\-/]/g, "");
  let international: string | undefined;
  if (v.startsWith("+")) international = v.slice(1);
  else if (v.startsWith("00")) international = v.slice(2);
  else if (options.defaultCallingCode) {
    if (!/^\d{1,3}$/.test(options.defaultCallingCode)) throw new TypeError("defaultCallingCode must be 1 to 3 digits");
    international = options.defaultCallingCode + v.replace(/^0/, "");
  }
  const digits = international ?? v;
  if (!/^\d{4,15}$/.test(digits)) throw new NormalizationError("phone");
  return international === undefined ? digits : `+${digits}`;
}

export function normalizeForIndex(kind: BlindIndexKind, value: string, options?: PhoneOptions): string {
  return kind === "email" ? normalizeEmail(value) : normalizePhone(value, options);
}

/** HMAC of an already normalised value; the kind is bound in so an email never equals a phone number. */
export function blindIndexWithKey(key: Uint8Array, kind: BlindIndexKind, normalized: string): Buffer {
  return hmacSha256(key, [Buffer.from(`rampart/blind-index/v1\0${kind}\0${normalized}`, "utf8")]);
}

/** A function computing blind indexes for one organisation (one key lookup for a whole batch). */
export async function blindIndexer(tx: Transaction, orgId: string): Promise<(kind: BlindIndexKind, value: string, options?: PhoneOptions) => Buffer> {
  const key = await blindIndexKey(tx, orgId);
  return (kind, value, options) => blindIndexWithKey(key, kind, normalizeForIndex(kind, value, options));
}

export async function blindIndex(tx: Transaction, orgId: string, kind: BlindIndexKind, value: string, options?: PhoneOptions): Promise<Buffer> {
  return (await blindIndexer(tx, orgId))(kind, value, options);
}
