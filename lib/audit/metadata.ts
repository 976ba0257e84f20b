/**
 * Defence in depth behind the per-action schemas: audit metadata is small, shallow JSON whose keys and strings
 * cannot carry personal data. Anything that looks like an email address or a phone number is refused.
 */

export class AuditMetadataError extends Error {
  constructor(reason: string) {
    super(`Audit metadata refused: ${reason}`);
    this.name = "AuditMetadataError";
  }
}

export const MAX_METADATA_BYTES = 2048;
const MAX_DEPTH = 3;
const MAX_STRING = 200;
const KEY = /^[a-zA-Z][a-zA-Z0-9_]{0,39}$/;
/** Keys that only ever hold personal data or secrets. */
const FORBIDDEN_KEY = /^(e_?mail|email_?address|phone|phone_?number|mobile|tel|name|first_?name|last_?name|full_?name|display_?name|address|street|postcode|zip|ip|ip_?address|password|passcode|secret|token|otp|totp_?code|code)$/i;

const EMAIL = /[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]{2,}/;
/** Seven or more digits, optionally with a leading +, separated by spaces, dots, dashes or brackets. */
const PHONE = /(?:\+|\b)\d(?:[\s().-]{0,2}\d){6,}/;
/** Shapes that are long digit runs by nature and are not phone numbers: UUIDs, ISO timestamps, hex digests. */
const HARMLESS = [
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi,
  /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g,
  /\b(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b/gi,
];

/** Why a string may not be stored in the audit log, or null when it may. */
export function personalDataIn(value: string): "an email address" | "a phone number" | null {
  if (EMAIL.test(value)) return "an email address";
  const rest = HARMLESS.reduce((s, re) => s.replace(re, " "), value);
  if (PHONE.test(rest)) return "a phone number";
  return null;
}

function check(value: unknown, path: string, depth: number): void {
  if (value === null || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) throw new AuditMetadataError(`${path} is not a finite, safe number`);
    return;
  }
  if (typeof value === "string") {
    if (value.length > MAX_STRING) throw new AuditMetadataError(`${path} is longer than ${MAX_STRING} characters`);
    if (/\p{Cc}/u.test(value)) throw new AuditMetadataError(`${path} contains control characters`);
    const found = personalDataIn(value);
    if (found) throw new AuditMetadataError(`${path} looks like ${found}`);
    return;
  }
  if (depth >= MAX_DEPTH) throw new AuditMetadataError(`${path} is nested too deeply`);
  if (Array.isArray(value)) {
    value.forEach((v, i) => check(v, `${path}[${i}]`, depth + 1));
    return;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) {
      if (!KEY.test(k)) throw new AuditMetadataError(`${path} has a key that is not a plain identifier`);
      if (FORBIDDEN_KEY.test(k)) throw new AuditMetadataError(`${path}.${k} is a key for personal data or secrets`);
      check(v, `${path}.${k}`, depth + 1);
    }
    return;
  }
  throw new AuditMetadataError(`${path} is not plain JSON`);
}

/** Throws AuditMetadataError unless `metadata` is small, plain JSON without personal data. */
export function assertSafeMetadata(metadata: Record<string, unknown>): void {
  check(metadata, "metadata", 0);
  if (new TextEncoder().encode(JSON.stringify(metadata)).length > MAX_METADATA_BYTES) throw new AuditMetadataError(`it is larger than ${MAX_METADATA_BYTES} bytes`);
}
