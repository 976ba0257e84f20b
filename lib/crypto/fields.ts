import "server-only";
import { hash } from "node:crypto";
import type { Transaction } from "@/lib/db/client";
import { activeDataKey, dataKeyVersion, type DataKey } from "./data-keys";
import { CiphertextFormatError, CiphertextTooLargeError, DecryptionError, WrongPlaceError } from "./errors";
import { PgpAuthError, PgpFormatError } from "./pgp/errors";
import { decryptMessage, encryptMessage } from "./pgp/message";
import { isUuid } from "@/lib/validation/ids";

/**
 * Sealed field layout (bytea):
 *   0x52 'R' | format version (1) | data-key version (uint32 BE) | OpenPGP message
 * The OpenPGP message is one SEIPD v2 packet (AES-256, GCM, no compression) under the organisation's
 * data key as session key; its literal packet's file name is a digest of the place (organisation,
 * table, column, row), checked on decrypt, so a ciphertext copied elsewhere fails loudly.
 */
const MAGIC = 0x52;
export const FIELD_FORMAT_VERSION = 1;
export const FIELD_HEADER_LENGTH = 6;
/** Largest value a field may hold (1 MiB); larger data belongs in an encrypted file. */
export const MAX_FIELD_BYTES = 1024 * 1024;
/** Header, packet framing, salt and tags around the literal data, with room to spare. */
const MAX_OVERHEAD = 256;
export const MAX_SEALED_BYTES = MAX_FIELD_BYTES + MAX_OVERHEAD;

export type FieldPlace = { orgId: string; table: string; column: string; rowId: string };
/** Where a value lives, and the tenant transaction (withTenant) that reaches its organisation's keys. */
export type FieldContext = FieldPlace & { tx: Transaction };

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The organisation id and table/column names checked last (a page checks the same few thousands of times). */
let checkedOrg = "";
let checkedColumn = "";

/** The literal packet's file name: SHA-256 of the place, base64url (43 ASCII bytes). */
export function placeName(place: FieldPlace): Buffer {
  if (place.orgId !== checkedOrg) {
    if (!isUuid(place.orgId)) throw new TypeError("orgId must be a UUID");
    checkedOrg = place.orgId;
  }
  const column = `${place.table}.${place.column}`;
  if (column !== checkedColumn) {
    if (!IDENTIFIER.test(place.table) || !IDENTIFIER.test(place.column)) throw new TypeError("table and column must be SQL identifiers");
    checkedColumn = column;
  }
  if (place.rowId.length === 0 || place.rowId.length > 200) throw new TypeError("rowId must be 1 to 200 characters");
  const digest = hash("sha256", `rampart/field/v1\0${place.orgId.toLowerCase()}\0${place.table}\0${place.column}\0${place.rowId}`, "base64url");
  return Buffer.from(digest, "latin1");
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function checkedBytes(value: string | Uint8Array): Uint8Array {
  const bytes = typeof value === "string" ? utf8.encode(value) : value;
  if (bytes.length > MAX_FIELD_BYTES) throw new CiphertextTooLargeError("value", MAX_FIELD_BYTES);
  return bytes;
}

/** The data-key version a sealed value was written under (read from its header, no key needed). */
export function sealedKeyVersion(ciphertext: Uint8Array): number {
  if (ciphertext.length < FIELD_HEADER_LENGTH) throw new CiphertextFormatError("too short");
  if (ciphertext[0] !== MAGIC) throw new CiphertextFormatError("no Rampart header");
  if (ciphertext[1] !== FIELD_FORMAT_VERSION) throw new CiphertextFormatError(`unknown format version ${ciphertext[1]}`);
  return ((ciphertext[2]! << 24) | (ciphertext[3]! << 16) | (ciphertext[4]! << 8) | ciphertext[5]!) >>> 0;
}

/** Synchronous core, for callers that already hold the key (batches, rotation). */
export function sealWithKey(key: DataKey, place: FieldPlace, value: string | Uint8Array): Buffer {
  const bytes = checkedBytes(value);
  const header = Buffer.alloc(FIELD_HEADER_LENGTH);
  header[0] = MAGIC;
  header[1] = FIELD_FORMAT_VERSION;
  header.writeUInt32BE(key.version, 2);
  return Buffer.concat([header, encryptMessage(key.key, bytes, placeName(place))]);
}

export function openWithKey(key: DataKey, place: FieldPlace, ciphertext: Uint8Array): Buffer {
  if (ciphertext.length > MAX_SEALED_BYTES) throw new CiphertextTooLargeError("ciphertext", MAX_SEALED_BYTES);
  if (sealedKeyVersion(ciphertext) !== key.version) throw new CiphertextFormatError("sealed under another key version");
  let opened: { filename: Buffer; data: Buffer };
  try {
    opened = decryptMessage(key.key, ciphertext.subarray(FIELD_HEADER_LENGTH));
  } catch (err) {
    if (err instanceof PgpAuthError) throw new DecryptionError();
    if (err instanceof PgpFormatError) throw new CiphertextFormatError(err.message);
    throw err;
  }
  if (!opened.filename.equals(placeName(place))) throw new WrongPlaceError();
  return opened.data;
}

/** Encrypts a value for its place under the organisation's active data key. */
export async function encryptField(ctx: FieldContext, value: string | Uint8Array): Promise<Buffer> {
  const bytes = checkedBytes(value); // before any key lookup
  return sealWithKey(await activeDataKey(ctx.tx, ctx.orgId), ctx, bytes);
}

/** The value's bytes; throws a CryptoError if it was modified, moved, oversize, or its key is gone. */
export async function decryptFieldBytes(ctx: FieldContext, ciphertext: Uint8Array): Promise<Buffer> {
  if (ciphertext.length > MAX_SEALED_BYTES) throw new CiphertextTooLargeError("ciphertext", MAX_SEALED_BYTES);
  const key = await dataKeyVersion(ctx.tx, ctx.orgId, sealedKeyVersion(ciphertext));
  return openWithKey(key, ctx, ciphertext);
}

/** The value as text (UTF-8). */
export async function decryptField(ctx: FieldContext, ciphertext: Uint8Array): Promise<string> {
  const bytes = await decryptFieldBytes(ctx, ciphertext);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new CiphertextFormatError("the value is not UTF-8 text");
  }
}

/** Re-encrypts under the active key when the value is under an older one; returns null when already current. */
export async function reencryptField(ctx: FieldContext, ciphertext: Uint8Array): Promise<Buffer | null> {
  const active = await activeDataKey(ctx.tx, ctx.orgId);
  if (sealedKeyVersion(ciphertext) === active.version) return null;
  return sealWithKey(active, ctx, await decryptFieldBytes(ctx, ciphertext));
}
