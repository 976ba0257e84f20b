import "server-only";
import { createHmac } from "node:crypto";
import { z } from "zod";
import { derivedKey } from "@/lib/keys";

/** The one form in which account emails are stored, compared and hashed: trimmed, NFC, lower-case. */
export function normalizeAccountEmail(email: string): string {
  return email.trim().normalize("NFC").toLowerCase();
}

export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .transform(normalizeAccountEmail)
  .pipe(z.email({ message: "Enter an email address such as name@example.org." }));

/** Keyed hash of a normalised email: lets us count attempts and keep history for unknown accounts without the address. */
export function hashEmail(email: string): string {
  return createHmac("sha256", derivedKey("account-email")).update(normalizeAccountEmail(email)).digest("base64url").slice(0, 32);
}
