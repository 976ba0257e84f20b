import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { nameTokenizerWithKey, nameTokenWithKey, namePrefixes, nameWords, queryPrefixes } from "./name-tokens";

describe("name tokens", () => {
  it("folds case, accents and punctuation into words", () => {
    expect(nameWords("  Zoë O'Brien-Smith ")).toEqual(["zoe", "o", "brien", "smith"]);
  });

  it("stores prefixes of 3 to 12 characters, and short words whole", () => {
    expect(namePrefixes("Li Maria")).toEqual(["li", "mar", "mari", "maria"]);
    expect(namePrefixes("Wolfeschlegelsteinhausen").at(-1)).toBe("wolfeschlege");
  });

  it("looks a query word up by its own first 12 characters", () => {
    expect(queryPrefixes("MAR maria")).toEqual(["mar", "maria"]);
    for (const p of queryPrefixes("María")) expect(namePrefixes("Maria Lopez")).toContain(p);
  });

  it("keeps its stored format: the first 12 bytes of HMAC-SHA256 of the labelled prefix, as createHmac made them", () => {
    const key = createHash("sha256").update("pinned key").digest();
    for (const prefix of ["mar", "zoë", "wolfeschlege"])
      expect(nameTokenWithKey(key, prefix).equals(createHmac("sha256", key).update(`rampart/name-token/v1\0${prefix}`).digest().subarray(0, 12))).toBe(true);
  });

  it("keys the tokens: another key gives other tokens, and no plain text is kept", () => {
    const a = nameTokenWithKey(Buffer.alloc(32, 1), "mar");
    const b = nameTokenWithKey(Buffer.alloc(32, 2), "mar");
    expect(a).toHaveLength(12);
    expect(a.equals(b)).toBe(false);
    expect(a.toString("latin1")).not.toContain("mar");
  });

  it("a tokenizer that remembers repeated prefixes gives the very tokens of one hashed each time", () => {
    const key = Buffer.alloc(32, 7);
    const tokens = nameTokenizerWithKey(key);
    const names = ["Maria Lopez", "Mario Lopez", "maría LÓPEZ", "Li Maria", "Wolfeschlegelsteinhausen Maria"];
    for (const round of [1, 2])
      for (const name of names) {
        const expected = namePrefixes(name).map((p) => nameTokenWithKey(key, p));
        expect(tokens.forName(name), `${name}, round ${round}`).toEqual(expected);
      }
    expect(tokens.forQuery("MAR lop")).toEqual(queryPrefixes("MAR lop").map((p) => nameTokenWithKey(key, p)));
    // Another key, another memory: nothing carries over between tokenizers.
    expect(nameTokenizerWithKey(Buffer.alloc(32, 8)).forName("Maria")[0]!.equals(tokens.forName("Maria")[0]!)).toBe(false);
  });
});
