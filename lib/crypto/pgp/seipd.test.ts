import { hkdfSync, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hkdfSha256 } from "./seipd";

describe("HKDF-SHA256 on createHmac", () => {
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
