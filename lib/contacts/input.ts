import { z } from "zod";
import type { ContactAddress } from "@/db/schema";
import { normalizeEmail, normalizePhone, NormalizationError } from "@/lib/crypto";

/** What a contact may hold, as people type it: one schema for forms, sync, imports and the seed. */

const optionalText = (max: number, label: string) =>
  z
    .string()
    .trim()
    .max(max, `${label} is too long (at most ${max} characters)`)
    .optional()
    .transform((v) => (v ? v : undefined));

export const contactEmailSchema = optionalText(320, "Email").refine((v) => {
  if (v === undefined) return true;
  try {
    normalizeEmail(v);
    return true;
  } catch (err) {
    if (err instanceof NormalizationError) return false;
    throw err;
  }
}, "Enter an email address like name@example.org");

export const contactPhoneSchema = optionalText(40, "Phone").refine((v) => {
  if (v === undefined) return true;
  try {
    normalizePhone(v);
    return true;
  } catch (err) {
    if (err instanceof NormalizationError) return false;
    throw err;
  }
}, "Enter a phone number of 4 to 15 digits, e.g. +44 20 7946 0958");

export const addressSchema = z
  .object({
    line1: optionalText(200, "Address line 1"),
    line2: optionalText(200, "Address line 2"),
    city: optionalText(100, "City"),
    region: optionalText(100, "Region"),
    postcode: optionalText(20, "Postcode"),
    country: optionalText(100, "Country"),
  })
  .strict()
  .transform((a): ContactAddress | undefined => {
    const kept = Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as ContactAddress;
    return Object.keys(kept).length ? kept : undefined;
  });

/** Campaign labels: short, lower case, no personal values. */
export const tagSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9 _-]{0,39}$/, "A tag is 1 to 40 letters, digits, spaces, '-' or '_'");

export const tagsSchema = z
  .array(tagSchema)
  .max(20, "At most 20 tags")
  .transform((t) => [...new Set(t)]);

export const contactInputSchema = z
  .object({
    name: z.string().trim().min(1, "Enter a name").max(200, "Name is too long (at most 200 characters)"),
    email: contactEmailSchema,
    phone: contactPhoneSchema,
    address: addressSchema.optional(),
    notes: optionalText(5000, "Notes"),
    tags: tagsSchema.default([]),
  })
  .strict();
export type ContactInput = z.input<typeof contactInputSchema>;
export type ContactValues = z.output<typeof contactInputSchema>;

/** The fields an edit form sets (tags and assignment have their own changes). */
export const contactEditSchema = contactInputSchema.omit({ tags: true });
export type ContactEdit = z.input<typeof contactEditSchema>;
