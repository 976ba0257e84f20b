import "server-only";
import { createCipheriv, createDecipheriv } from "node:crypto";
import { SHA256_LENGTH, hmacSha256 } from "../hmac";
import { freshRandomBytes } from "../random";
import { PgpAuthError, PgpFormatError } from "./errors";
import { TAG_SEIPD } from "./packets";

/**
 * The SEIPD version 2 packet's cryptography (RFC 9580 section 5.13.2): its 36-byte header, the
 * message key and IV derived from the session key and salt with HKDF-SHA256, and the GCM chunks.
 * The cipher follows the session key's length, never the message's claim: 32 bytes is AES-256
 * (every key Rampart makes), 16 bytes is AES-128 (RFC 9580's sample message runs through this path).
 */
const SEIPD_VERSION = 2;
const AEAD_GCM = 3;
const SALT_LENGTH = 32;
export const TAG_LENGTH = 16;
const IV_PREFIX = 4; // GCM nonce (12) minus the 8-byte chunk index
/** Version, cipher, AEAD mode, chunk size byte, salt. */
export const SEIPD_HEADER_LENGTH = 4 + SALT_LENGTH;
/** 2^(12+6) = 256 KiB plaintext per AEAD chunk, openpgp.js's default. */
export const DEFAULT_CHUNK_SIZE_BYTE = 12;

const CIPHERS = new Map([
  [16, { id: 7, algorithm: "aes-128-gcm", label: "AES-128" }],
  [32, { id: 9, algorithm: "aes-256-gcm", label: "AES-256" }],
] as const);

export type MessageKeys = { algorithm: "aes-128-gcm" | "aes-256-gcm"; key: Buffer; iv: Buffer; info: Buffer; chunkSize: number };

function cipherFor(sessionKey: Uint8Array) {
  const cipher = CIPHERS.get(sessionKey.length as 16 | 32);
  if (!cipher) throw new PgpFormatError("the session key must be 32 bytes (AES-256) or 16 bytes (AES-128)");
  return cipher;
}

function chunkSizeOf(chunkSizeByte: number): number {
  if (!Number.isInteger(chunkSizeByte) || chunkSizeByte < 0 || chunkSizeByte > 16) throw new PgpFormatError("unsupported AEAD chunk size");
  return 2 ** (chunkSizeByte + 6);
}


/**
 * HKDF-SHA256 (RFC 5869) for up to 64 output bytes. node's hkdfSync costs ~2.5 µs more per call, ~5% of a
 * 500-field page (docs/crypto-packets.md); tested against hkdfSync.
 */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Buffer {
  if (length > 2 * SHA256_LENGTH) throw new RangeError("hkdfSha256 here derives at most 64 bytes");
  const prk = hmacSha256(salt, [ikm]);
  const t1 = hmacSha256(prk, [info, ONE]);
  if (length <= SHA256_LENGTH) return t1.subarray(0, length);
  const t2 = hmacSha256(prk, [t1, info, TWO]);
  const out = Buffer.allocUnsafe(length);
  t1.copy(out, 0);
  t2.copy(out, SHA256_LENGTH, 0, length - SHA256_LENGTH);
  return out;
}
const ONE = Buffer.from([1]);
const TWO = Buffer.from([2]);

const infos = new Map<number, Buffer>();
/** The packet's header octets used as HKDF info and associated data; one shared, never-written buffer per suite. */
function packetInfo(cipherId: number, chunkSizeByte: number): Buffer {
  const id = (cipherId << 8) | chunkSizeByte;
  let info = infos.get(id);
  if (!info) infos.set(id, (info = Buffer.from([0xc0 | TAG_SEIPD, SEIPD_VERSION, cipherId, AEAD_GCM, chunkSizeByte])));
  return info;
}

/** Message key and IV prefix: HKDF-SHA256 of the session key, salted, with the packet's header as info. */
export function deriveMessageKeys(sessionKey: Uint8Array, salt: Uint8Array, chunkSizeByte: number): MessageKeys {
  const cipher = cipherFor(sessionKey);
  const chunkSize = chunkSizeOf(chunkSizeByte);
  const info = packetInfo(cipher.id, chunkSizeByte);
  const derived = hkdfSha256(sessionKey, salt, info, sessionKey.length + IV_PREFIX);
  return { algorithm: cipher.algorithm, key: derived.subarray(0, sessionKey.length), iv: derived.subarray(sessionKey.length), info, chunkSize };
}

/** A fresh salt and the header that carries it, with the keys derived from both. */
export function newSeipdHeader(sessionKey: Uint8Array, chunkSizeByte: number): { header: Buffer; keys: MessageKeys } {
  const salt = freshRandomBytes(SALT_LENGTH);
  const keys = deriveMessageKeys(sessionKey, salt, chunkSizeByte);
  return { header: Buffer.concat([Buffer.from([SEIPD_VERSION, keys.info[2]!, AEAD_GCM, chunkSizeByte]), salt]), keys };
}

/** The keys for a received header (its first SEIPD_HEADER_LENGTH bytes); refuses any suite but the session key's. */
export function readSeipdHeader(sessionKey: Uint8Array, header: Buffer): MessageKeys {
  if (header.length < SEIPD_HEADER_LENGTH) throw new PgpFormatError("the message is truncated");
  const cipher = cipherFor(sessionKey);
  if (header[0] !== SEIPD_VERSION || header[1] !== cipher.id || header[2] !== AEAD_GCM)
    throw new PgpFormatError(`only SEIPD v2 with ${cipher.label} and GCM is accepted for this key`);
  return deriveMessageKeys(sessionKey, header.subarray(4, SEIPD_HEADER_LENGTH), header[3]!);
}

/** A GCM decipher that takes only full 16-byte tags (node would otherwise accept a truncated one). */
function decipherFor(keys: MessageKeys, index: number) {
  return createDecipheriv(keys.algorithm, keys.key, nonce(keys.iv, index), { authTagLength: TAG_LENGTH });
}

const TWO_32 = 2 ** 32;

/** Writes a chunk index or a length (a safe integer) as 8 bytes big-endian at `at`. */
function writeUint64(into: Buffer, value: number, at: number): void {
  into.writeUInt32BE(Math.floor(value / TWO_32), at);
  into.writeUInt32BE(value % TWO_32, at + 4);
}

function nonce(iv: Buffer, index: number): Buffer {
  const n = Buffer.allocUnsafe(12);
  iv.copy(n, 0, 0, IV_PREFIX);
  writeUint64(n, index, IV_PREFIX);
  return n;
}

/** The final tag's associated data: the header info and the total plaintext length. */
function finalAdata(keys: MessageKeys, totalPlaintext: number): Buffer {
  const ad = Buffer.allocUnsafe(13);
  keys.info.copy(ad, 0);
  writeUint64(ad, totalPlaintext, 5);
  return ad;
}

/** Encrypts one chunk given as pieces: ciphertext pieces, then the tag (plaintext never leaves before its tag on the other side). */
export function sealChunk(keys: MessageKeys, index: number, parts: Uint8Array[]): Buffer[] {
  const cipher = createCipheriv(keys.algorithm, keys.key, nonce(keys.iv, index));
  cipher.setAAD(keys.info);
  const out = parts.map((p) => cipher.update(p));
  cipher.final();
  out.push(cipher.getAuthTag());
  return out;
}

/** The final tag: an empty chunk authenticated with the total plaintext length, after `chunks` chunks. */
export function finalTag(keys: MessageKeys, chunks: number, totalPlaintext: number): Buffer {
  const cipher = createCipheriv(keys.algorithm, keys.key, nonce(keys.iv, chunks));
  cipher.setAAD(finalAdata(keys, totalPlaintext));
  cipher.final();
  return cipher.getAuthTag();
}

/** Decrypts one chunk given as pieces; returns its plaintext only once the tag has verified. */
export function openChunk(keys: MessageKeys, index: number, parts: Buffer[], tag: Buffer): Buffer[] {
  if (tag.length !== TAG_LENGTH) throw new PgpFormatError("the message is truncated");
  const decipher = decipherFor(keys, index);
  decipher.setAAD(keys.info);
  decipher.setAuthTag(tag);
  try {
    const out = parts.map((p) => decipher.update(p));
    decipher.final();
    return out;
  } catch {
    throw new PgpAuthError();
  }
}

/** Checks the final tag after `chunks` chunks holding `totalPlaintext` bytes. */
export function checkFinalTag(keys: MessageKeys, chunks: number, totalPlaintext: number, tag: Buffer): void {
  if (tag.length !== TAG_LENGTH) throw new PgpFormatError("the message is truncated");
  const decipher = decipherFor(keys, chunks);
  decipher.setAAD(finalAdata(keys, totalPlaintext));
  decipher.setAuthTag(tag);
  try {
    decipher.final();
  } catch {
    throw new PgpAuthError();
  }
}
