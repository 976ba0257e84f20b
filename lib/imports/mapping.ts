import { z } from "zod";
import { duplicatePolicies, type ImportMapping } from "@/db/schema/imports";
import { contactInputSchema, tagSchema, type ContactValues } from "@/lib/contacts/input";
import { uuidSchema } from "@/lib/validation/ids";
import { importFields, type ImportField } from "./fields";

export { importFieldLabels, importFields, type ImportField } from "./fields";

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

const splitTags = (v: string | undefined) => (v ? v.split(/[,;|]/).map((t) => t.trim()).filter(Boolean) : []);

/** mapRow for one mapping, the column of each field looked up once rather than per row and field. */
export function rowMapper(mapping: ImportMapping, extraTags: readonly string[]): (cells: string[]) => MappedRow {
  const columns = new Map<string, number>();
  for (const [column, field] of Object.entries(mapping)) if (!columns.has(field)) columns.set(field, Number(column));
  const cell = (cells: string[], field: ImportField): string | undefined => {
    const column = columns.get(field);
    const value = column === undefined ? undefined : cells[column]?.trim();
    return value ? value : undefined;
  };
  return (cells) => mapCells(cells, cell, extraTags);
}

/** Turns one row into contact values through the shared contact schema; a refusal names the field and the rule, never the value. */
export function mapRow(cells: string[], mapping: ImportMapping, extraTags: readonly string[]): MappedRow {
  return rowMapper(mapping, extraTags)(cells);
}

function mapCells(cells: string[], cellOf: (cells: string[], field: ImportField) => string | undefined, extraTags: readonly string[]): MappedRow {
  const cell = (field: ImportField) => cellOf(cells, field);
  const first = cell("first_name");
  const last = cell("last_name");
  const name = cell("name") ?? ([first, last].filter(Boolean).join(" ") || undefined);
  const address = {
    line1: cell("address_line1"),
    line2: cell("address_line2"),
    city: cell("city"),
    region: cell("region"),
    postcode: cell("postcode"),
    country: cell("country"),
  };
  const hasAddress = Object.values(address).some((v) => v !== undefined);
  const parsed = contactInputSchema.safeParse({
    name: name ?? "",
    email: cell("email"),
    phone: cell("phone"),
    address: hasAddress ? address : undefined,
    notes: cell("notes"),
    tags: [...splitTags(cell("tags")), ...extraTags],
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const top = String(issue.path[0] ?? "name");
    const part = String(issue.path[1] ?? "line1");
    const field = top === "address" ? (part.startsWith("line") ? `address_${part}` : part) : top;
    return { ok: false, field, reason: issue.message };
  }
  const externalId = cell("external_id") ?? null;
  if (externalId !== null && externalId.length > 100) return { ok: false, field: "external_id", reason: "External id is too long (at most 100 characters)" };
  const listName = cell("list") ?? null;
  if (listName !== null && listName.length > 100) return { ok: false, field: "list", reason: "List name is too long (at most 100 characters)" };
  return { ok: true, values: parsed.data, externalId, listName };
}
