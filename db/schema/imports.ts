import { sql } from "drizzle-orm";
import { check, uniqueIndex } from "drizzle-orm/pg-core";
import { boolean, index, integer, jsonb, oneOf, pgTable, text, timestamptz, uuid } from "./columns";
import { users } from "./accounts";
import { organizations } from "./organizations";
import { sealed } from "./crypto";
import { contacts } from "./workspace";

export const importFormats = ["csv", "xlsx"] as const;
export type ImportFormat = (typeof importFormats)[number];
export const importStatuses = ["uploaded", "queued", "running", "succeeded", "failed", "cancelled", "rolling_back", "rolled_back"] as const;
export type ImportStatus = (typeof importStatuses)[number];
export const duplicatePolicies = ["skip", "fill_empty", "overwrite"] as const;
export type DuplicatePolicy = (typeof duplicatePolicies)[number];
export const importRowOutcomes = ["created", "updated", "skipped", "failed"] as const;
export type ImportRowOutcome = (typeof importRowOutcomes)[number];

/** Column index (as text) → contact field; columns left out are not imported. */
export type ImportMapping = Record<string, string>;
export type ImportOptions = { duplicates: DuplicatePolicy; listId: string | null; tags: string[] };

/**
 * A campaign's imports (lib/imports). The uploaded file lives encrypted in encrypted_files only until the job ends
 * or its lifetime passes; the file name and header row are sealed; counters and statuses are not personal.
 */
export const imports = pgTable(
  "imports",
  {
    id: uuid("id").primaryKey(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    fileName: sealed<string>("file_name").notNull(),
    headers: sealed<string[]>("headers").notNull(),
    format: text("format").$type<ImportFormat>().notNull(),
    /** How the bytes were decoded ("utf-8", "utf-8 with BOM", "utf-16le", "windows-1252", "xlsx"). */
    encoding: text("encoding").notNull(),
    delimiter: text("delimiter"),
    fileSize: integer("file_size").notNull(),
    totalRows: integer("total_rows").notNull(),
    /** The encrypted upload (encrypted_files.id); cleared with the file. */
    uploadFileId: uuid("upload_file_id"),
    uploadExpiresAt: timestamptz("upload_expires_at").notNull(),
    uploadDeletedAt: timestamptz("upload_deleted_at"),
    mapping: jsonb("mapping").$type<ImportMapping>(),
    options: jsonb("options").$type<ImportOptions>(),
    status: text("status").$type<ImportStatus>().notNull().default("uploaded"),
    jobId: uuid("job_id"),
    rowsDone: integer("rows_done").notNull().default(0),
    created: integer("created").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    cancelRequestedAt: timestamptz("cancel_requested_at"),
    startedAt: timestamptz("started_at"),
    finishedAt: timestamptz("finished_at"),
    resultFileId: uuid("result_file_id"),
    resultExpiresAt: timestamptz("result_expires_at"),
    resultDeletedAt: timestamptz("result_deleted_at"),
    rollbackJobId: uuid("rollback_job_id"),
    rolledBackBy: uuid("rolled_back_by").references(() => users.id, { onDelete: "set null" }),
    rolledBackAt: timestamptz("rolled_back_at"),
    rollbackDone: integer("rollback_done").notNull().default(0),
    /** Contacts edited after the import, which the rollback reported and left as they were. */
    rollbackKept: integer("rollback_kept").notNull().default(0),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("imports_org_created_idx").on(t.orgId, t.createdAt),
    index("imports_upload_expiry_idx").on(t.uploadExpiresAt).where(sql`upload_file_id is not null`),
    check("imports_format", oneOf(t.format, importFormats)),
    check("imports_status", oneOf(t.status, importStatuses)),
  ],
);

/**
 * What an import did to each row: the contact it created or updated (with the sealed before-image of the fields it
 * changed, for rollback), or why a row was refused (column and reason, never the value).
 */
export const importRows = pgTable(
  "import_rows",
  {
    id: uuid("id").primaryKey(),
    importId: uuid("import_id")
      .notNull()
      .references(() => imports.id, { onDelete: "cascade" }),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    rowNumber: integer("row_number").notNull(),
    outcome: text("outcome").$type<ImportRowOutcome>().notNull(),
    /** Deleting the contact deletes this row with its before-image: deletion that really deletes (migration 0030). */
    contactId: uuid("contact_id").references(() => contacts.id, { onDelete: "cascade" }),
    /** The fields the import overwrote, as they were before (null for created, skipped and failed rows). */
    before: sealed<Record<string, unknown>>("before"),
    tagsAdded: text("tags_added").array().notNull().default(sql`'{}'::text[]`),
    /** Lists the import put the contact on (it was not on them before). */
    listsAdded: uuid("lists_added").array().notNull().default(sql`'{}'::uuid[]`),
    /** The contact's updated_at right after the import wrote it: a later value means someone edited it since. */
    writtenAt: timestamptz("written_at"),
    /** Set by a rollback that found the contact edited after the import and left it as it was. */
    keptAtRollback: boolean("kept_at_rollback").notNull().default(false),
    errorColumn: text("error_column"),
    errorReason: text("error_reason"),
  },
  (t) => [
    uniqueIndex("import_rows_row_idx").on(t.importId, t.rowNumber),
    index("import_rows_contact_idx").on(t.contactId),
    check("import_rows_outcome", oneOf(t.outcome, importRowOutcomes)),
  ],
);

export type Import = typeof imports.$inferSelect;
export type ImportRow = typeof importRows.$inferSelect;
