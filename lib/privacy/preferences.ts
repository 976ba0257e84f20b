import { z } from "zod";

export const themes = ["system", "light", "dark"] as const;
export type Theme = (typeof themes)[number];
export const themeSchema = z.enum(themes);

/** The preferences cookie exists only with consent to the preferences category. */
export const THEME_COOKIE = "theme";
export const PREFERENCE_COOKIE_MAX_AGE = 60 * 60 * 24 * 365;
export const CONSENT_COOKIE = "consent";
export const CONSENT_COOKIE_MAX_AGE = 60 * 60 * 24 * 180;

export function parseTheme(value: string | undefined): Theme {
  const parsed = themeSchema.safeParse(value);
  return parsed.success ? parsed.data : "system";
}
