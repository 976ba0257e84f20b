import { z } from "zod";

/** The one uuid schema: every id that arrives from a URL, a form or a job payload is parsed with it. */
export const uuidSchema = z.uuid();
export const isUuid = (value: unknown): value is string => uuidSchema.safeParse(value).success;

/** The one campaign-address schema: 3-48 lowercase letters, digits and dashes, no dash at either end. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,46}[a-z0-9])$/;
export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(SLUG_PATTERN, "Use 3-48 lowercase letters, digits and dashes, starting and ending with a letter or digit.");
export const isSlug = (value: unknown): value is string => typeof value === "string" && SLUG_PATTERN.test(value);
