import { z } from "zod";
import { duplicatePolicies, type ImportMapping } from "@/db/schema/imports";
import { contactInputSchema, tagSchema, type ContactValues } from "@/lib/contacts/input";
import { uuidSchema } from "@/lib/validation/ids";

/** The contact fields a column can feed, in the order the mapping form lists them. */
export const importFields = [
  "name",
  "first_name",
  "last_name",
  "email",
  "phone",
  "address_line1",
  "address_line2",
  "city",
  "region",
  "postcode",
  "country",
  "tags",
  "notes",
  "list",
  "external_id",
] as const;
export type ImportField = (typeof importFields)[number];

export const importFieldLabels: Record<ImportField, string> = {
  name: "Name (full)",
  first_name: "First name",
  last_name: "Last name",
  email: "Email",
  phone: "Phone",
  address_line1: "Address line 1",
  address_line2: "Address line 2",
  city: "City",
  region: "Region / state",
  postcode: "Postcode / ZIP",
  country: "Country",
  tags: "Tags",
  notes: "Notes",
  list: "List",
  external_id: "External id (VAN ID…)",
};

const synonyms: Record<ImportField, string[]> = {
  name: ["name", "fullname", "contactname", "displayname", "contact", "person"],
  first_name: ["firstname", "first", "givenname", "forename", "fname"],
  last_name: ["lastname", "last", "surname", "familyname", "lname"],
  email: ["email", "emailaddress", "mail", "e-mail", "emails"],
  phone: ["phone", "phonenumber", "mobile", "cell", "cellphone", "telephone", "tel", "mobilenumber", "homephone"],
  address_line1: ["address", "address1", "addressline1", "street", "streetaddress", "line1"],
  address_line2: ["address2", "addressline2", "line2", "apartment", "apt", "unit"],
  city: ["city", "town", "locality"],
  region: ["region", "state", "province", "county"],
  postcode: ["postcode", "zip", "zipcode", "postalcode"],
  country: ["country", "countrycode"],
  tags: ["tags", "tag", "labels", "label"],
  notes: ["notes", "note", "comments", "comment", "remarks"],
  list: ["list", "listname", "group"],
  external_id: ["vanid", "van", "externalid", "voterid", "crmid", "id", "recordid"],
};

const normalizeHeader = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, "");

/** The field a header most likely names, or null; each field is suggested for one column at most. */
export function suggestMapping(headers: string[]): ImportMapping {
  const mapping: ImportMapping = {};
  const taken = new Set<string>();
  headers.forEach((header, i) => {
    const key = normalizeHeader(header);
    if (!key) return;
    const field = importFields.find((f) => !taken.has(f) && synonyms[f].some((s) => normalizeHeader(s) === key));
    if (field) {
      mapping[String(i)] = field;
      taken.add(field);
    }
  });
  return mapping;
}

/** What the admin chose on the mapping form. */
export const importChoicesSchema = z.object({
  mapping: z
    .record(z.string().regex(/^\d{1,3}$/), z.enum(importFields))
    .refine((m) => new Set(Object.values(m)).size === Object.values(m).length, "Each field can come from one column only.")
    .refine((m) => {
      const fields = Object.values(m);
      return fields.includes("name") || fields.includes("first_name") || fields.includes("last_name");
    }, "Choose the column that holds the name (or first and last name)."),
  duplicates: z.enum(duplicatePolicies),
  listId: uuidSchema.nullable(),
  tags: z.array(tagSchema).max(20, "At most 20 tags"),
});
export type ImportChoices = z.output<typeof importChoicesSchema>;

export type MappedRow =
  | { ok: true; values: ContactValues; externalId: string | null; listName: string | null }
  | { ok: false; field: string; reason: string };

const cell = (cells: string[], mapping: ImportMapping, field: ImportField): string | undefined => {
  const column = Object.entries(mapping).find(([, f]) => f === field)?.[0];
  const value = column === undefined ? undefined : cells[Number(column)]?.trim();
  return value ? value : undefined;
};

const splitTags = (v: string | undefined) => (v ? v.split(/[,;|]/).map((t) => t.trim()).filter(Boolean) : []);

/** Turns one row into contact values through the shared contact schema; a refusal names the field and the rule, never the value. */
export function mapRow(cells: string[], mapping: ImportMapping, extraTags: readonly string[]): MappedRow {
  const first = cell(cells, mapping, "first_name");
  const last = cell(cells, mapping, "last_name");
  const name = cell(cells, mapping, "name") ?? ([first, last].filter(Boolean).join(" ") || undefined);
  const address = {
    line1: cell(cells, mapping, "address_line1"),
    line2: cell(cells, mapping, "address_line2"),
    city: cell(cells, mapping, "city"),
    region: cell(cells, mapping, "region"),
    postcode: cell(cells, mapping, "postcode"),
    country: cell(cells, mapping, "country"),
  };
  const hasAddress = Object.values(address).some((v) => v !== undefined);
  const parsed = contactInputSchema.safeParse({
    name: name ?? "",
    email: cell(cells, mapping, "email"),
    phone: cell(cells, mapping, "phone"),
    address: hasAddress ? address : undefined,
    notes: cell(cells, mapping, "notes"),
    tags: [...splitTags(cell(cells, mapping, "tags")), ...extraTags],
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const top = String(issue.path[0] ?? "name");
    const part = String(issue.path[1] ?? "line1");
    const field = top === "address" ? (part.startsWith("line") ? `address_${part}` : part) : top;
    return { ok: false, field, reason: issue.message };
  }
  const externalId = cell(cells, mapping, "external_id") ?? null;
  if (externalId !== null && externalId.length > 100) return { ok: false, field: "external_id", reason: "External id is too long (at most 100 characters)" };
  const listName = cell(cells, mapping, "list") ?? null;
  if (listName !== null && listName.length > 100) return { ok: false, field: "list", reason: "List name is too long (at most 100 characters)" };
  return { ok: true, values: parsed.data, externalId, listName };
}
