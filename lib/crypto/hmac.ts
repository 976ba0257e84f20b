import "server-only";
import { hash } from "node:crypto";

const HMAC_BLOCK = 64;
export const SHA256_LENGTH = 32;

/**
 * HMAC-SHA256 (RFC 2104) of the concatenated `parts` under a key of at most one block, on node's one-shot
 * crypto.hash: no Hmac object per call, whose creation and collection cost more than the hashing of a field's
 * few bytes. Tested against createHmac.
 */
export function hmacSha256(key: Uint8Array, parts: readonly Uint8Array[]): Buffer {
  if (key.length > HMAC_BLOCK) throw new RangeError("hmacSha256 here takes keys of at most 64 bytes");
  let length = HMAC_BLOCK;
  for (const p of parts) length += p.length;
  const inner = Buffer.allocUnsafe(length);
  const outer = Buffer.allocUnsafe(HMAC_BLOCK + SHA256_LENGTH);
  inner.fill(0x36, 0, HMAC_BLOCK);
  outer.fill(0x5c, 0, HMAC_BLOCK);
  for (let i = 0; i < key.length; i++) {
    inner[i]! ^= key[i]!;
    outer[i]! ^= key[i]!;
  }
  let at = HMAC_BLOCK;
  for (const p of parts) {
    inner.set(p, at);
    at += p.length;
  }
  hash("sha256", inner, "buffer").copy(outer, HMAC_BLOCK);
  inner.fill(0);
  const mac = hash("sha256", outer, "buffer");
  outer.fill(0);
  return mac;
}
