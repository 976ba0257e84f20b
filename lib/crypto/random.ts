import "server-only";
import { randomBytes } from "node:crypto";

/**
 * Small random values (salts) cut from a larger block of the system CSPRNG. One `randomBytes(32)` call per
 * sealed field cost ~5 µs, most of it the call itself; a 4 KiB block serves 128 salts for about the price of one.
 * Each block is used once front to back and never written again, so a returned slice is never handed out twice.
 */
const BLOCK = 4096;
let block = Buffer.alloc(0);
let used = 0;

export function freshRandomBytes(length: number): Buffer {
  if (!Number.isInteger(length) || length <= 0 || length > BLOCK) throw new RangeError("freshRandomBytes takes 1 to 4096 bytes");
  if (used + length > block.length) {
    block = randomBytes(BLOCK);
    used = 0;
  }
  const out = block.subarray(used, used + length);
  used += length;
  return out;
}
