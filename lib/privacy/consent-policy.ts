import { z } from "zod";
import { currentPolicyVersion } from "@/lib/policies/registry";
import { isUuid } from "@/lib/validation/ids";

/** The cookie policy in force (lib/policies/registry.ts): publishing a new one means earlier choices no longer count and the banner asks again. */
export const CONSENT_POLICY_VERSION = currentPolicyVersion("cookies").version;

/** Optional cookie categories; strictly necessary cookies need no consent and are always on. */
export const optionalCategories = ["preferences"] as const;
export type OptionalCategory = (typeof optionalCategories)[number];
export type ConsentCategories = { necessary: true } & Record<OptionalCategory, boolean>;

export const consentChoiceSchema = z.discriminatedUnion("choice", [
  z.object({ choice: z.literal("accept_all") }),
  z.object({ choice: z.literal("reject_all") }),
  z.object({ choice: z.literal("custom"), categories: z.object({ preferences: z.boolean() }).strict() }),
]);
export type ConsentChoice = z.infer<typeof consentChoiceSchema>;

export function categoriesFor(choice: ConsentChoice): ConsentCategories {
  if (choice.choice === "accept_all") return { necessary: true, preferences: true };
  if (choice.choice === "reject_all") return { necessary: true, preferences: false };
  return { necessary: true, ...choice.categories };
}

export type ConsentState = { consentId: string; policyVersion: string; categories: ConsentCategories };

const cookieValue = z.string().regex(/^v1\.[0-9a-f-]{36}\.[\w-]{1,20}\.[01]$/);

/** The consent cookie holds the consent id, the policy version and one bit per optional category. */
export function encodeConsentCookie(state: ConsentState): string {
  return `v1.${state.consentId}.${state.policyVersion}.${state.categories.preferences ? 1 : 0}`;
}

/** Reads the cookie; a malformed value or an older policy version counts as no choice yet. */
export function decodeConsentCookie(value: string | undefined): ConsentState | null {
  if (!value || !cookieValue.safeParse(value).success) return null;
  const [, consentId, policyVersion, preferences] = value.split(".");
  if (policyVersion !== CONSENT_POLICY_VERSION || !isUuid(consentId)) return null;
  return { consentId: consentId!, policyVersion, categories: { necessary: true, preferences: preferences === "1" } };
}
