import "server-only";
import { z } from "zod";
import { ContactNotFoundError, ContactRuleError } from "@/lib/contacts/contacts";
import { ContactListNotFoundError } from "@/lib/contacts/lists";
import type { ContactInput } from "@/lib/contacts/store";
import type { FormState } from "@/lib/http/action";

/** The address inputs of the contact form, named as the address object's keys. */
export const addressFields = [
  { name: "line1", label: "Address line 1", autoComplete: "address-line1" },
  { name: "line2", label: "Address line 2", autoComplete: "address-line2" },
  { name: "city", label: "City", autoComplete: "address-level2" },
  { name: "region", label: "Region", autoComplete: "address-level1" },
  { name: "postcode", label: "Postcode", autoComplete: "postal-code" },
  { name: "country", label: "Country", autoComplete: "country-name" },
] as const;

const text = (raw: Record<string, unknown>, key: string) => (typeof raw[key] === "string" ? (raw[key] as string) : undefined);

/** The flat form (name, email, phone, line1…country, notes, tags as "a, b") as the store's contact input. */
export function contactFromForm(raw: Record<string, unknown>): ContactInput {
  const tags = text(raw, "tags");
  return {
    name: text(raw, "name") ?? "",
    email: text(raw, "email"),
    phone: text(raw, "phone"),
    notes: text(raw, "notes"),
    address: Object.fromEntries(addressFields.map((f) => [f.name, text(raw, f.name)])),
    tags: tags === undefined ? undefined : tags.split(",").map((t) => t.trim()).filter(Boolean),
  };
}

/** Zod issues keyed by the form's input names (address.city → city, tags.2 → tags). */
function fieldErrors(err: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of err.issues) {
    const [first, second] = issue.path.map(String);
    const key = first === "address" && second ? second : (first ?? "form");
    out[key] ??= issue.message;
  }
  return out;
}

/** Turns the contact rules' refusals into what a form shows; anything else is the action wrapper's to report. */
export async function contactErrors(work: () => Promise<FormState>): Promise<FormState> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ContactRuleError || err instanceof ContactNotFoundError || err instanceof ContactListNotFoundError) return { message: err.message };
    if (err instanceof z.ZodError) return { message: "Please correct the highlighted fields.", fieldErrors: fieldErrors(err) };
    throw err;
  }
}
