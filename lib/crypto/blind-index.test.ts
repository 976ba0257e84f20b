import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { NormalizationError, blindIndexWithKey, normalizeEmail, normalizePhone } from "./blind-index";

describe("normalisation for blind indexes", () => {
  it("folds case, surrounding space and Unicode composition of emails", () => {
    const composed = "zo\u00eb@example.org";
    const decomposed = "ZO\u0065\u0308@Example.ORG";
    expect(normalizeEmail(`  ${decomposed}\t`)).toBe(composed);
    expect(normalizeEmail(composed)).toBe(composed);
    expect(normalizeEmail("a.b+tag@x.org")).not.toBe(normalizeEmail("ab@x.org")); // provider-specific rules are not guessed
  });

  it("refuses what is not an email address", () => {
    for (const bad of ["", "   ", "no-at-sign", "two@@x", "a b@x.org"]) expect(() => normalizeEmail(bad)).toThrow(NormalizationError);
  });

  it("brings the usual ways of writing one phone number to one E.164 form", () => {
    const forms = ["+44 20 7946 0958", "0044 (20) 7946-0958", "020 7946 0958", "+44.20.7946.0958", "\uff0b\uff14\uff14 20 7946 0958"];
    const out = forms.map((f) => normalizePhone(f, { defaultCallingCode: "44" }));
    expect(new Set(out)).toEqual(new Set(["+442079460958"]));
    expect(normalizePhone("020 7946 0958")).toBe("02079460958"); // no country known: national digits
  });

  it("refuses what is not a phone number", () => {
    for (const bad of ["", "call me", "+12", "+1234567890123456", "12ab34"]) expect(() => normalizePhone(bad)).toThrow(NormalizationError);
  });

  it("keeps its stored format: HMAC-SHA256 of the labelled value, byte for byte as createHmac made it", () => {
    const key = createHash("sha256").update("pinned key").digest();
    const expected = (kind: string, v: string) => createHmac("sha256", key).update(`rampart/blind-index/v1\0${kind}\0${v}`).digest();
    for (const [kind, v] of [["email", "zoë.o'brien@example.org"], ["phone", "+442079460958"]] as const) expect(blindIndexWithKey(key, kind, v).equals(expected(kind, v))).toBe(true);
  });

  it("is keyed: different keys give unrelated indexes, and no index is a plain hash", () => {
    const [k1, k2] = [randomBytes(32), randomBytes(32)];
    const a = blindIndexWithKey(k1, "email", "a@x.org");
    expect(a.equals(blindIndexWithKey(k1, "email", "a@x.org"))).toBe(true);
    expect(a.equals(blindIndexWithKey(k2, "email", "a@x.org"))).toBe(false);
    expect(a.equals(createHash("sha256").update("a@x.org").digest())).toBe(false);
    expect(blindIndexWithKey(k1, "email", "12345").equals(blindIndexWithKey(k1, "phone", "12345"))).toBe(false);
  });
});
