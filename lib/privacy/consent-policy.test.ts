import { describe, expect, it } from "vitest";
import { CONSENT_POLICY_VERSION, categoriesFor, consentChoiceSchema, decodeConsentCookie, encodeConsentCookie, type ConsentState } from "./consent-policy";

const ID = "3f2b8c1e-9a4d-4f6b-8c2e-1d5a7b9c0e3f";
const state = (preferences: boolean): ConsentState => ({ consentId: ID, policyVersion: CONSENT_POLICY_VERSION, categories: { necessary: true, preferences } });

describe("consent cookie", () => {
  it.each([true, false])("round-trips a choice (preferences=%s)", (preferences) => {
    const value = encodeConsentCookie(state(preferences));
    expect(value).toBe(`v1.${ID}.${CONSENT_POLICY_VERSION}.${preferences ? 1 : 0}`);
    expect(decodeConsentCookie(value)).toEqual(state(preferences));
  });

  it("counts a choice made under an older policy version as no choice", () => {
    expect(decodeConsentCookie(`v1.${ID}.2020-01-01.1`)).toBeNull();
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["another format version", `v2.${ID}.${CONSENT_POLICY_VERSION}.1`],
    ["a category bit that is not 0 or 1", `v1.${ID}.${CONSENT_POLICY_VERSION}.2`],
    ["an extra segment", `v1.${ID}.${CONSENT_POLICY_VERSION}.1.1`],
    ["a consent id that is not a uuid", `v1.${"z".repeat(36)}.${CONSENT_POLICY_VERSION}.1`],
    ["a uuid-shaped id made of dashes", `v1.${"-".repeat(36)}.${CONSENT_POLICY_VERSION}.1`],
    ["a truncated value", `v1.${ID}.${CONSENT_POLICY_VERSION}`],
    ["injected characters", `v1.${ID}.${CONSENT_POLICY_VERSION}.1;path=/`],
  ])("reads a tampered value (%s) as no choice", (_, value) => {
    expect(decodeConsentCookie(value)).toBeNull();
  });
});

describe("consent choices", () => {
  it("maps each choice to categories, strictly necessary always on", () => {
    expect(categoriesFor({ choice: "accept_all" })).toEqual({ necessary: true, preferences: true });
    expect(categoriesFor({ choice: "reject_all" })).toEqual({ necessary: true, preferences: false });
    expect(categoriesFor({ choice: "custom", categories: { preferences: true } })).toEqual({ necessary: true, preferences: true });
    expect(categoriesFor({ choice: "custom", categories: { preferences: false } })).toEqual({ necessary: true, preferences: false });
  });

  it.each([
    {},
    { choice: "accept_some" },
    { choice: "custom" },
    { choice: "custom", categories: { preferences: "yes" } },
    { choice: "custom", categories: { preferences: true, marketing: true } },
  ])("rejects the malformed body %o", (body) => {
    expect(consentChoiceSchema.safeParse(body).success).toBe(false);
  });
});
