import "server-only";
import { stringify } from "csv-stringify/sync";
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { contacts, users, type ContactAddress } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import type { Transaction } from "@/lib/db/client";
import { can } from "@/lib/tenancy/permissions";
import { openContacts } from "./sealed";
import { RuleError } from "@/lib/errors";
import type { ContactWriteContext } from "./commands";
import { notesColumn, visibleContacts, type ContactViewer } from "./visibility";
import { contactReachOutColumns } from "./read-models";

/** The campaign's contacts as CSV for its admins: read and decrypted 500 rows at a time, the export itself audited. */

export const CONTACT_CSV_HEADER = [
  "name",
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
  "assigned",
  "created_at",
] as const;

export const EXPORT_PAGE_SIZE = 500;

/** A spreadsheet runs a cell starting with = + - @ (or a tab / carriage return before one) as a formula: make it text. */
export function neutralizeCsvCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export type ContactCsvSource = {
  name: string;
  email: string | null;
  phone: string | null;
  address: ContactAddress | null;
  tags: string[];
  notes: string | null;
  assigneeName: string | null;
  createdAt: Date;
};

/** One contact as a CSV record in CONTACT_CSV_HEADER order, every cell neutralised. */
export function contactCsvRecord(c: ContactCsvSource): string[] {
  const a = c.address ?? {};
  return [
    c.name,
    c.email ?? "",
    c.phone ?? "",
    a.line1 ?? "",
    a.line2 ?? "",
    a.city ?? "",
    a.region ?? "",
    a.postcode ?? "",
    a.country ?? "",
    c.tags.join("; "),
    c.notes ?? "",
    c.assigneeName ?? "",
    c.createdAt.toISOString(),
  ].map(neutralizeCsvCell);
}

/**
 * Writes every contact this admin can see, newest first, as CSV text in chunks (the header first), then records
 * `data.exported` in the same transaction. Keyset pages compare against the last row's stored values, so
 * created_at's microseconds never fall between pages. Returns the number of contacts written.
 */
export async function exportContactsCsv(
  tx: Transaction,
  viewer: ContactViewer,
  write: (chunk: string) => void | Promise<void>,
  ctx: ContactWriteContext & { pageSize?: number } = {},
): Promise<number> {
  if (!can(viewer.role, "contacts:export")) throw new RuleError("Only the campaign's admins can export contacts.");
  const pageSize = ctx.pageSize ?? EXPORT_PAGE_SIZE;
  const visible = visibleContacts(viewer);
  await write(stringify([[...CONTACT_CSV_HEADER]]));
  const columns = {
    ...contactReachOutColumns,
    notes: notesColumn(viewer),
    tags: contacts.tags,
    assigneeName: users.name,
    createdAt: contacts.createdAt,
  };
  let rows = 0;
  let last: string | null = null;
  for (;;) {
    const after: SQL | undefined = last ? sql`(${contacts.createdAt}, ${contacts.id}) < (select c.created_at, c.id from contacts c where c.id = ${last})` : undefined;
    const page = await tx
      .select(columns)
      .from(contacts)
      .leftJoin(users, eq(users.id, contacts.assignedTo))
      .where(and(visible, after))
      .orderBy(desc(contacts.createdAt), desc(contacts.id))
      .limit(pageSize);
    if (page.length === 0) break;
    const opened = await openContacts(tx, page);
    await write(stringify(opened.map(contactCsvRecord)));
    rows += page.length;
    last = page.at(-1)!.id;
    if (page.length < pageSize) break;
  }
  await recordAuditEvent(tx, {
    orgId: viewer.orgId,
    actor: { kind: "member", id: viewer.userId },
    action: "data.exported",
    metadata: { scope: "contacts", rows, format: "csv" },
    requestId: ctx.requestId ?? null,
  });
  return rows;
}
