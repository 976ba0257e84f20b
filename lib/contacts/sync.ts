import "server-only";
import { CsvError, parse } from "csv-parse/sync";
import { and, count, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import { contacts } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { blindIndexer } from "@/lib/crypto";
import { resultRows, type Transaction } from "@/lib/db/client";
import { contactInputSchema, type ContactValues } from "./input";
import { insertContacts } from "./write-rows";

/**
 * A member's own contacts, added from their address book by a form or a CSV file. They are the member's:
 * managers learn how many, not who, until the member completes a report on one (RLS, migration 0013).
 * Uploaded files are parsed in memory and never stored.
 */

export const SYNC_MAX_ROWS = 5_000;
export const SYNC_MAX_BYTES = 2 * 1024 * 1024;

/** Tags are the campaign's labels, not the member's: a synced row carries none. */
export const syncRowSchema = contactInputSchema.omit({ tags: true });

/** One row to sync and where it came from (the file's line number, or 1 for the form). */
export type SyncRow = { row: number; values: unknown };
export type SyncRowError = { row: number; field: string; message: string };
export type SyncResult = { ok: true; added: number; skipped: number; ids: string[] } | { ok: false; errors: SyncRowError[] };

const fieldOf = (issue: z.core.$ZodIssue) => String(issue.path[issue.path.length - 1] ?? "row");

/** "Row 14, email: Enter an email address like name@example.org" — the row and field, never the value. */
export const describeRowError = (e: SyncRowError) => `Row ${e.row}, ${e.field}: ${e.message}`;

/**
 * Validates every row, then inserts all of them or none (in the caller's transaction). Rows whose email matches
 * one of this member's synced contacts in the campaign (or an earlier row of the same batch) are skipped.
 */
export async function syncContacts(
  tx: Transaction,
  who: { orgId: string; userId: string },
  rows: readonly SyncRow[],
  format: "form" | "csv",
): Promise<SyncResult> {
  const errors: SyncRowError[] = [];
  const valid: { row: number; values: ContactValues }[] = [];
  for (const { row, values } of rows) {
    const parsed = syncRowSchema.safeParse(values);
    if (parsed.success) valid.push({ row, values: { ...parsed.data, tags: [] } });
    else for (const issue of parsed.error.issues) errors.push({ row, field: fieldOf(issue), message: issue.message });
  }
  if (errors.length) return { ok: false, errors };
  if (valid.length > SYNC_MAX_ROWS) return { ok: false, errors: [{ row: 0, field: "file", message: `At most ${SYNC_MAX_ROWS.toLocaleString("en")} contacts at a time` }] };

  const index = await blindIndexer(tx, who.orgId);
  const keyed = valid.map((v) => ({ ...v, emailIndex: v.values.email ? index("email", v.values.email) : null }));
  const wanted = keyed.flatMap((k) => (k.emailIndex ? [k.emailIndex] : []));
  const seen = new Set<string>();
  for (let start = 0; start < wanted.length; start += 1000) {
    const existing = await tx
      .select({ emailIndex: contacts.emailIndex })
      .from(contacts)
      .where(and(eq(contacts.orgId, who.orgId), eq(contacts.syncedBy, who.userId), inArray(contacts.emailIndex, wanted.slice(start, start + 1000))));
    for (const e of existing) if (e.emailIndex) seen.add(Buffer.from(e.emailIndex).toString("hex"));
  }
  const fresh: ContactValues[] = [];
  for (const k of keyed) {
    const hex = k.emailIndex?.toString("hex");
    if (hex && seen.has(hex)) continue;
    if (hex) seen.add(hex);
    fresh.push(k.values);
  }

  const ids = await insertContacts(tx, who.orgId, fresh, { source: "sync", syncedBy: who.userId, createdBy: who.userId });
  if (ids.length)
    await recordAuditEvent(tx, { orgId: who.orgId, actor: { kind: "member", id: who.userId }, action: "contacts.synced", metadata: { count: ids.length, format } });
  return { ok: true, added: ids.length, skipped: valid.length - ids.length, ids };
}

/** Header names a file may use (case-insensitive), mapped to the contact field each fills. */
const columns: Record<string, string> = {
  name: "name",
  email: "email",
  phone: "phone",
  address: "line1",
  line1: "line1",
  line2: "line2",
  city: "city",
  region: "region",
  postcode: "postcode",
  country: "country",
  notes: "notes",
};
const addressFields = new Set(["line1", "line2", "city", "region", "postcode", "country"]);
export const SYNC_CSV_COLUMNS = ["name", "email", "phone", "address (or line1)", "line2", "city", "region", "postcode", "country", "notes"];

export type ParsedCsv = { ok: true; rows: SyncRow[] } | { ok: false; errors: SyncRowError[] };

const fileError = (message: string): ParsedCsv => ({ ok: false, errors: [{ row: 1, field: "file", message }] });

/** Reads a contacts CSV with a header row into rows for syncContacts. Messages name rows and columns, never values. */
export function parseContactsCsv(text: string): ParsedCsv {
  if (Buffer.byteLength(text, "utf8") > SYNC_MAX_BYTES) return fileError("The file is larger than 2 MB; split it into smaller files.");
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With info: true each record comes with where it ended in the file; the sync types always say string[][].
    records = parse(text, { bom: true, skip_empty_lines: true, info: true, trim: true }) as unknown as typeof records;
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const line = typeof err.lines === "number" ? err.lines : 1;
    const message =
      err.code === "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH"
        ? "this row has a different number of columns than the header row"
        : err.code === "CSV_QUOTE_NOT_CLOSED"
          ? "a quoted value is never closed"
          : "this line is not valid CSV";
    return { ok: false, errors: [{ row: line, field: "file", message }] };
  }
  const [header, ...body] = records;
  if (!header) return fileError("The file is empty. Its first row must name the columns, e.g. name,email,phone.");
  // A blank header cell (a trailing comma from a spreadsheet) marks a column to ignore.
  const fields: (string | null)[] = [];
  for (const [i, raw] of header.record.entries()) {
    if (raw.trim() === "") {
      fields.push(null);
      continue;
    }
    const field = columns[raw.trim().toLowerCase()];
    if (!field) return fileError(`Column ${i + 1} of the header row is not one we know. Use: ${SYNC_CSV_COLUMNS.join(", ")}.`);
    if (fields.includes(field)) return fileError(`Column ${i + 1} of the header row repeats an earlier column.`);
    fields.push(field);
  }
  if (!fields.includes("name")) return fileError("The header row needs a name column.");
  if (body.length === 0) return fileError("The file has no contacts under its header row.");
  if (body.length > SYNC_MAX_ROWS)
    return fileError(`The file has ${body.length.toLocaleString("en")} contacts; the limit is ${SYNC_MAX_ROWS.toLocaleString("en")} per upload. Split it into smaller files.`);

  return {
    ok: true,
    rows: body.map(({ record, info }) => {
      const values: Record<string, unknown> = {};
      const address: Record<string, string> = {};
      record.forEach((cell, i) => {
        const field = fields[i];
        if (!field) return;
        if (addressFields.has(field)) address[field] = cell;
        else values[field] = cell;
      });
      if (Object.values(address).some(Boolean)) values.address = address;
      return { row: info.lines, values };
    }),
  };
}

/** Per member, how many contacts they synced to the campaign; empty for anyone but its readers (the SQL function checks). */
export async function syncedContactCounts(tx: Transaction, orgId: string): Promise<Map<string, number>> {
  const rows = resultRows<{ user_id: string; contacts: number | string }>(await tx.execute(sql`select user_id, contacts from synced_contact_counts(${orgId}::uuid)`));
  return new Map(rows.map((r) => [r.user_id, Number(r.contacts)]));
}

/** How many contacts this person synced to the campaign (their own rows, which RLS shows them). */
export async function mySyncedCount(tx: Transaction, who: { orgId: string; userId: string }): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(contacts)
    .where(and(eq(contacts.orgId, who.orgId), eq(contacts.syncedBy, who.userId)));
  return row?.n ?? 0;
}
