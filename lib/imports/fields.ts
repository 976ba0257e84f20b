/** Shared with the mapping form in the browser: no server code here. */

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
