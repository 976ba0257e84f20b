/**
 * Errors of lib/crypto. Messages name ids and versions only: never a key, a plaintext or a ciphertext,
 * so they are safe to log (lib/log still logs errors by kind and code).
 */
export class CryptoError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "CryptoError";
  }
}

/** The bytes are not a sealed value this version understands (wrong magic, unknown format version, malformed). */
export class CiphertextFormatError extends CryptoError {
  constructor(reason: string) {
    super("crypto_format", `Not a readable sealed value: ${reason}`);
    this.name = "CiphertextFormatError";
  }
}

/** A value or ciphertext beyond the size limit; refused before any work. */
export class CiphertextTooLargeError extends CryptoError {
  constructor(what: "value" | "ciphertext", limit: number) {
    super("crypto_too_large", `The ${what} is larger than the limit of ${limit} bytes`);
    this.name = "CiphertextTooLargeError";
  }
}

/** Authentication failed: the ciphertext was modified, or it was sealed under another organisation's key. */
export class DecryptionError extends CryptoError {
  constructor() {
    super("crypto_auth", "The sealed value failed authentication: it was modified or belongs to another organisation");
    this.name = "DecryptionError";
  }
}

/** Authentic, but sealed for another row, column or table of this organisation. */
export class WrongPlaceError extends CryptoError {
  constructor() {
    super("crypto_place", "The sealed value belongs to another row, column or table; it was moved or copied");
    this.name = "WrongPlaceError";
  }
}

/** The key version named by a ciphertext cannot be used (retired after a rotation, destroyed, or never existed). */
export class KeyUnavailableError extends CryptoError {
  constructor(
    readonly reason: "retired" | "destroyed" | "missing" | "master_key_missing",
    detail: string,
  ) {
    super(`crypto_key_${reason}`, detail);
    this.name = "KeyUnavailableError";
  }
}

/** Crypto work on tenant data must run inside withTenant for that organisation. */
export class TenantContextError extends CryptoError {
  constructor(detail: string) {
    super("crypto_context", detail);
    this.name = "TenantContextError";
  }
}
