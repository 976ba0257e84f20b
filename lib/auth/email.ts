import "server-only";
import { createHmac } from "node:crypto";
import { z } from "zod";
import { derivedKey } from "@/lib/keys";

export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .transform((v) => v.normalize("NFC").toLowerCase())
  .pipe(z.email({ message: "Enter an email address such as name@example.org." }));

/** Keyed hash of a normalised email: lets us count attempts and keep history for unknown accounts without the address. */
export function hashEmail(email: string): string {
  return createHmac("sha256", derivedKey("account-email")).update(email.trim().normalize("NFC").toLowerCase()).digest("base64url").slice(0, 32);
}
