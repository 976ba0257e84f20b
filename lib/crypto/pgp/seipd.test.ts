import { createHmac, hkdfSync, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacSha256 } from "../hmac";
import { hkdfSha256 } from "./seipd";

describe("HKDF-SHA256 on hmacSha256", () => {
  it.each([
    [16, 32],
    [20, 32],
    [32, 0],
    [36, 32],
    [44, 17],
    [64, 64],
  ])("derives exactly what node's hkdfSync derives (%i bytes, %i-byte salt)", (length, saltLength) => {
    for (let i = 0; i < 50; i++) {
      const [ikm, salt, info] = [randomBytes(i % 2 ? 16 : 32), randomBytes(saltLength), randomBytes(5)];
      expect(hkdfSha256(ikm, salt, info, length).equals(Buffer.from(hkdfSync("sha256", ikm, salt, info, length)))).toBe(true);
    }
  });

  it("refuses lengths past the two blocks it computes", () => {
    expect(() => hkdfSha256(randomBytes(32), randomBytes(32), randomBytes(5), 65)).toThrow(RangeError);
  });
});

describe("HMAC-SHA256 on one-shot hashes", () => {
  it("computes exactly what createHmac computes, for keys of 0 to 64 bytes and messages in pieces", () => {
    for (let keyLength = 0; keyLength <= 64; keyLength++) {
      const key = randomBytes(keyLength);
      const parts = [randomBytes(keyLength % 7), randomBytes(32), randomBytes((keyLength * 13) % 150)];
      const expected = createHmac("sha256", key).update(Buffer.concat(parts)).digest();
      expect(hmacSha256(key, parts).equals(expected), `key of ${keyLength} bytes`).toBe(true);
    }
    expect(hmacSha256(Buffer.alloc(0), []).equals(createHmac("sha256", Buffer.alloc(0)).digest())).toBe(true);
  });

  it("gives RFC 4231's test case 2 (key \"Jefe\")", () => {
    const mac = hmacSha256(Buffer.from("Jefe"), [Buffer.from("what do ya want "), Buffer.from("for nothing?")]);
    expect(mac.toString("hex")).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });

  it("refuses keys longer than a block instead of hashing them", () => {
    expect(() => hmacSha256(randomBytes(65), [randomBytes(5)])).toThrow(RangeError);
  });
});
