import "server-only";
import type { ContactInput } from "@/lib/contacts/input";

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
