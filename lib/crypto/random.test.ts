import { describe, expect, it } from "vitest";
import { freshRandomBytes } from "./random";

describe("freshRandomBytes", () => {
  it("hands out slices that never repeat or overlap, across many blocks", () => {
    const seen = new Set<string>();
    const slices: Buffer[] = [];
    for (let i = 0; i < 1000; i++) {
      const salt = freshRandomBytes(32);
      expect(salt.length).toBe(32);
      seen.add(salt.toString("hex"));
      slices.push(salt);
    }
    expect(seen.size).toBe(1000);
    // Later calls never write over an earlier slice (blocks are used once).
    const before = slices.map((s) => s.toString("hex"));
    for (let i = 0; i < 1000; i++) freshRandomBytes(17);
    expect(slices.map((s) => s.toString("hex"))).toEqual(before);
  });

  it("refuses lengths outside 1..4096", () => {
    for (const bad of [0, -1, 1.5, 4097, Number.NaN]) expect(() => freshRandomBytes(bad)).toThrow(RangeError);
    expect(freshRandomBytes(4096).length).toBe(4096);
  });
});
