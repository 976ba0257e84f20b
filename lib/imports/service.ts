import "server-only";
import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { contactLists, contacts, encryptedFiles, importRows, imports, organizations, users, type Import, type ImportFormat, type ImportStatus } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { deleteEncryptedFile, openEncryptedFile, putEncryptedFile } from "@/lib/crypto/files";
import type { Database, Transaction } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { NotFoundError, RuleError } from "@/lib/errors";
import { enqueueJob } from "@/lib/jobs/queue";
import type { BlobStore } from "@/lib/storage/blob-store";
import { orgSettingsSchema } from "@/lib/tenancy/settings";
import type { ImportLimits } from "./limits";
import { importChoicesSchema, type ImportChoices } from "./mapping";
import { ImportFileError, inspectImportFile, readSheet, type OpenSource, type TextEncoding } from "./read";
import { keysetMicros, keysetPage, type KeysetPage, type KeysetPosition } from "@/lib/pagination/keyset";
import { sealedImports } from "./sealed";

/** The campaign's import history and what an admin does with one import, each step inside the person's own tenant context. */

export const IMPORT_JOB = "import.run";
export const IMPORT_ROLLBACK_JOB = "import.rollback";
export const IMPORT_EXPIRE_JOB = "import.expire_upload";
export const PREVIEW_ROWS = 20;

export type Who = { orgId: string; userId: string };

export function formatOfFileName(name: string): ImportFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith(".xlsx")) return "xlsx";
  if (lower.endsWith(".csv") || lower.endsWith(".txt") || lower.endsWith(".tsv")) return "csv";
  if (lower.endsWith(".xls")) throw new RuleError("Old .xls workbooks cannot be read: save the file as .xlsx or CSV and upload again.");
  throw new RuleError("Upload a .csv or .xlsx file.");
}

/** A file name as people see it: no folders, no control characters, at most 200 characters. */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = Array.from(base)
    .filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f)
    .join("")
    .trim()
    .slice(0, 200);
  if (!cleaned) throw new RuleError("The file needs a name ending in .csv or .xlsx.");
  return cleaned;
}

/** Passes bytes through and errors the stream (so the store keeps nothing) once more than `max` went by. */
function capped(stream: ReadableStream<Uint8Array>, max: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > max)
          controller.error(new ImportFileError(`The file is larger than ${Math.round(max / (1024 * 1024))} MB, the most one import takes. Split it and upload each part.`));
        else controller.enqueue(chunk);
      },
    }),
  );
}

const uploadSource = (db: Database, store: BlobStore, who: Who, fileId: string): OpenSource => async () => (await openEncryptedFile(db, store, who, fileId)).stream;

/**
 * Streams the upload through file encryption into the blob store, then reads it back (decrypted in memory) to check it
 * can be imported; a refused file is deleted before the refusal is returned. The upload's deletion is scheduled at once.
 */
export async function uploadImportFile(
  db: Database,
  store: BlobStore,
  who: Who,
  file: { name: string; body: ReadableStream<Uint8Array> },
  limits: ImportLimits,
  now = new Date(),
): Promise<{ id: string }> {
  const fileName = cleanFileName(file.name);
  const format = formatOfFileName(fileName);
  const stored = await putEncryptedFile(db, store, who, capped(file.body, limits.maxBytes));
  try {
    if (stored.size === 0) throw new ImportFileError("The file is empty.");
    const inspection = await inspectImportFile(uploadSource(db, store, who, stored.id), format, limits, stored.size);
    const id = randomUUID();
    await withTenant(db, who, async (tx) => {
      const settings = await campaignSettings(tx, who.orgId);
      const uploadExpiresAt = new Date(now.getTime() + settings.importUploadMinutes * 60_000);
      await tx.insert(imports).values(
        await sealedImports.seal(tx, {
          id,
          orgId: who.orgId,
          createdBy: who.userId,
          fileName,
          headers: inspection.headers,
          format,
          encoding: inspection.encoding,
          delimiter: inspection.delimiter,
          fileSize: stored.size,
          totalRows: inspection.totalRows,
          uploadFileId: stored.id,
          uploadExpiresAt,
          createdAt: now,
          updatedAt: now,
        }),
      );
      await enqueueJob(tx, { kind: IMPORT_EXPIRE_JOB, orgId: who.orgId, payload: { importId: id }, runAt: uploadExpiresAt, dedupeKey: `expire:${id}` });
    });
    return { id };
  } catch (err) {
    await deleteEncryptedFile(db, store, who, stored.id);
    throw err;
  }
}

export async function campaignSettings(tx: Transaction, orgId: string) {
  const [row] = await tx.select({ settings: organizations.settings }).from(organizations).where(eq(organizations.id, orgId));
  return orgSettingsSchema.parse(row?.settings ?? {});
}

export async function importRow(tx: Transaction, orgId: string, id: string, lock = false): Promise<Import> {
  const query = tx
    .select()
    .from(imports)
    .where(and(eq(imports.orgId, orgId), eq(imports.id, id)));
  const [row] = lock ? await query.for("update") : await query;
  if (!row) throw new NotFoundError("No such import in this campaign.");
  return row;
}

export type ImportSummary = {
  id: string;
  fileName: string;
  format: ImportFormat;
  status: ImportStatus;
  createdByName: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  totalRows: number;
  rowsDone: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  rollbackKept: number;
};

export const IMPORT_HISTORY_PAGE_SIZE = 50;

/**
 * One page of the import history, newest first by keyset over (created_at, id) through the (org_id, created_at, id)
 * index; file names opened in memory for that page only.
 */
export async function listImports(tx: Transaction, orgId: string, options: { position?: KeysetPosition | null; pageSize?: number } = {}): Promise<KeysetPage<ImportSummary>> {
  const page = await keysetPage({ time: imports.createdAt, id: imports.id }, options.position ?? null, options.pageSize ?? IMPORT_HISTORY_PAGE_SIZE, (keyset, order, limit) =>
    tx
      .select({ imp: imports, createdByName: users.name, id: imports.id, micros: keysetMicros(imports.createdAt) })
      .from(imports)
      .leftJoin(users, eq(users.id, imports.createdBy))
      .where(and(eq(imports.orgId, orgId), keyset))
      .orderBy(...order)
      .limit(limit),
  );
  return { ...page, rows: await openImportSummaries(tx, page.rows) };
}

async function openImportSummaries(tx: Transaction, rows: { imp: Import; createdByName: string | null }[]): Promise<ImportSummary[]> {
  const opened = await sealedImports.openAll(
    tx,
    rows.map((r) => r.imp),
  );
  return opened.map((imp, i) => ({
    id: imp.id,
    fileName: imp.fileName,
    format: imp.format,
    status: imp.status,
    createdByName: rows[i]!.createdByName ?? null,
    createdAt: imp.createdAt,
    startedAt: imp.startedAt,
    finishedAt: imp.finishedAt,
    totalRows: imp.totalRows,
    rowsDone: imp.rowsDone,
    created: imp.created,
    updated: imp.updated,
    skipped: imp.skipped,
    failed: imp.failed,
    rollbackKept: imp.rollbackKept,
  }));
}

export type ImportDetail = Awaited<ReturnType<typeof sealedImports.open>> & { createdByName: string | null };

export async function getImport(tx: Transaction, orgId: string, id: string): Promise<ImportDetail> {
  const row = await importRow(tx, orgId, id);
  const [who] = row.createdBy ? await tx.select({ name: users.name }).from(users).where(eq(users.id, row.createdBy)) : [];
  return { ...(await sealedImports.open(tx, row)), createdByName: who?.name ?? null };
}

/** The refused rows (row number, column, reason — never the value) and the contacts a rollback left as people edited them. */
export async function importProblems(tx: Transaction, orgId: string, id: string, limit = 500) {
  return tx
    .select({ rowNumber: importRows.rowNumber, outcome: importRows.outcome, errorColumn: importRows.errorColumn, errorReason: importRows.errorReason, kept: importRows.keptAtRollback, contactId: importRows.contactId })
    .from(importRows)
    .where(and(eq(importRows.orgId, orgId), eq(importRows.importId, id), sql`(${importRows.outcome} = 'failed' or ${importRows.keptAtRollback} or ${importRows.errorReason} is not null)`))
    .orderBy(asc(importRows.rowNumber))
    .limit(limit);
}

/** The first rows of the upload, decrypted in memory for the mapping page; nothing is written. */
export async function previewImport(db: Database, store: BlobStore, who: Who, id: string, limits: ImportLimits): Promise<string[][]> {
  const row = await withTenant(db, who, (tx) => importRow(tx, who.orgId, id));
  if (!row.uploadFileId) return [];
  const out: string[][] = [];
  let header = true;
  for await (const r of readSheet(uploadSource(db, store, who, row.uploadFileId), row.format, { encoding: textEncodingOf(row), limits, fileSize: row.fileSize })) {
    if (header) {
      header = false;
      continue;
    }
    out.push(r.cells);
    if (out.length >= PREVIEW_ROWS) break;
  }
  return out;
}

/** The encoding the upload was read in (CSV only). */
export const textEncodingOf = (row: Pick<Import, "format" | "encoding">) => (row.format === "csv" ? (row.encoding as TextEncoding) : undefined);

/** "Start import": the admin's mapping and choices (parsed here), checked against the file, and the job queued in the same transaction. */
export async function startImport(tx: Transaction, who: Who, id: string, input: ImportChoices | Record<string, unknown>, requestId?: string | null): Promise<void> {
  const choices = importChoicesSchema.parse(input);
  const row = await importRow(tx, who.orgId, id, true);
  if (row.status !== "uploaded") throw new RuleError("This import has already been started.", { status: 409 });
  if (!row.uploadFileId) throw new RuleError("The uploaded file has been deleted (uploads are kept for a limited time). Upload it again.", { status: 409 });
  const opened = await sealedImports.open(tx, row);
  for (const column of Object.keys(choices.mapping))
    if (Number(column) >= opened.headers.length) throw new RuleError("The mapping names a column the file does not have.");
  if (choices.listId) {
    const [list] = await tx
      .select({ id: contactLists.id })
      .from(contactLists)
      .where(and(eq(contactLists.orgId, who.orgId), eq(contactLists.id, choices.listId)));
    if (!list) throw new RuleError("Choose one of the campaign's lists.", { fieldErrors: { listId: "Choose one of the campaign's lists." } });
  }
  const job = await enqueueJob(tx, { kind: IMPORT_JOB, orgId: who.orgId, payload: { importId: id }, dedupeKey: id, maxAttempts: 3, progress: { done: 0, total: row.totalRows } });
  await tx
    .update(imports)
    .set({
      mapping: choices.mapping,
      options: { duplicates: choices.duplicates, listId: choices.listId, tags: choices.tags },
      status: "queued",
      jobId: job.id,
      updatedAt: new Date(),
    })
    .where(eq(imports.id, id));
  await recordAuditEvent(tx, {
    orgId: who.orgId,
    actor: { kind: "member", id: who.userId },
    action: "import.started",
    target: { type: "import", id },
    metadata: { format: row.format, rows: row.totalRows },
    requestId,
  });
}

/**
 * Cancels a queued or running import (the job stops after its current batch and deletes the upload), or discards an
 * upload not started yet: then the blob to delete once this transaction commits is returned.
 */
export async function cancelImport(tx: Transaction, who: Who, id: string): Promise<{ outcome: "requested" } | { outcome: "discarded"; blobKey: string | null }> {
  const row = await importRow(tx, who.orgId, id, true);
  if (row.status === "uploaded") {
    const blobKey = await detachImportFile(tx, who.orgId, id, "upload");
    await tx.update(imports).set({ status: "cancelled", finishedAt: new Date(), updatedAt: new Date() }).where(eq(imports.id, id));
    return { outcome: "discarded", blobKey: blobKey || null };
  }
  if (row.status !== "queued" && row.status !== "running") throw new RuleError("Only an import that is waiting or running can be cancelled.", { status: 409 });
  await tx.update(imports).set({ cancelRequestedAt: new Date(), updatedAt: new Date() }).where(eq(imports.id, id));
  return { outcome: "requested" };
}

/** Queues the rollback of a finished (or cancelled) import, acting as the admin who asks for it. */
export async function requestRollback(tx: Transaction, who: Who, id: string): Promise<void> {
  const row = await importRow(tx, who.orgId, id, true);
  if (row.status !== "succeeded" && row.status !== "cancelled") throw new RuleError("Only a finished or cancelled import can be rolled back.", { status: 409 });
  if (row.created + row.updated === 0) throw new RuleError("This import changed no contact: there is nothing to roll back.", { status: 409 });
  const job = await enqueueJob(tx, { kind: IMPORT_ROLLBACK_JOB, orgId: who.orgId, payload: { importId: id }, dedupeKey: `rollback:${id}`, maxAttempts: 3 });
  await tx
    .update(imports)
    .set({ status: "rolling_back", rolledBackBy: who.userId, rollbackJobId: job.id, rollbackDone: 0, rollbackKept: 0, updatedAt: new Date() })
    .where(eq(imports.id, id));
}

export type ImportProgress = {
  status: ImportStatus;
  totalRows: number;
  rowsDone: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  rollbackTotal: number;
  rollbackDone: number;
  rollbackKept: number;
  /** Seconds left at the pace so far, or null before there is a pace. */
  secondsLeft: number | null;
  cancelRequested: boolean;
  hasResultFile: boolean;
};

export async function importProgress(tx: Transaction, orgId: string, id: string, now = new Date()): Promise<ImportProgress> {
  const row = await importRow(tx, orgId, id);
  const elapsed = row.startedAt ? (now.getTime() - row.startedAt.getTime()) / 1000 : 0;
  const secondsLeft = row.status === "running" && row.rowsDone > 0 && elapsed > 0 ? Math.ceil(((row.totalRows - row.rowsDone) * elapsed) / row.rowsDone) : null;
  return {
    status: row.status,
    totalRows: row.totalRows,
    rowsDone: row.rowsDone,
    created: row.created,
    updated: row.updated,
    skipped: row.skipped,
    failed: row.failed,
    rollbackTotal: row.created + row.updated,
    rollbackDone: row.rollbackDone,
    rollbackKept: row.rollbackKept,
    secondsLeft,
    cancelRequested: row.cancelRequestedAt !== null,
    hasResultFile: row.resultFileId !== null,
  };
}

/** Lists the campaign's contact lists for the mapping form. */
export async function listChoices(tx: Transaction, orgId: string) {
  return tx.select({ id: contactLists.id, name: contactLists.name }).from(contactLists).where(eq(contactLists.orgId, orgId)).orderBy(asc(contactLists.name));
}

/**
 * Detaches one of an import's files (the upload or the result file) in the caller's transaction: its key row and the
 * import's pointer go together (the ciphertext is unreadable from the commit on). Returns the blob to delete after
 * the commit, "" when the key row was already gone, or null when there was no file.
 */
export async function detachImportFile(tx: Transaction, orgId: string, id: string, which: "upload" | "result", now = new Date()): Promise<string | null> {
  const [row] = await tx
    .select({ uploadFileId: imports.uploadFileId, resultFileId: imports.resultFileId })
    .from(imports)
    .where(and(eq(imports.orgId, orgId), eq(imports.id, id)))
    .for("update");
  const fileId = row ? (which === "upload" ? row.uploadFileId : row.resultFileId) : null;
  if (!fileId) return null;
  const [file] = await tx
    .delete(encryptedFiles)
    .where(and(eq(encryptedFiles.orgId, orgId), eq(encryptedFiles.id, fileId)))
    .returning({ blobKey: encryptedFiles.blobKey });
  await tx
    .update(imports)
    .set(which === "upload" ? { uploadFileId: null, uploadDeletedAt: now, updatedAt: now } : { resultFileId: null, resultDeletedAt: now, updatedAt: now })
    .where(eq(imports.id, id));
  return file?.blobKey ?? "";
}

/** Deletes one of an import's files for good (system work for the campaign); returns whether there was one. */
export async function deleteImportFile(db: Database, store: BlobStore, orgId: string, id: string, which: "upload" | "result", now = new Date()): Promise<boolean> {
  const blobKey = await withTenant(db, { orgId }, (tx) => detachImportFile(tx, orgId, id, which, now));
  if (blobKey === null) return false;
  if (blobKey) await store.delete(blobKey);
  return true;
}

/**
 * The sweeper, run by the hourly chores (and by a job due at each upload's expiry): uploads past their lifetime, result
 * files past theirs, and imports older than the campaign's history lifetime are deleted in every campaign.
 */
export async function sweepImports(db: Database, store: BlobStore, orgIds: string[], now = new Date()): Promise<{ uploads: number; results: number; history: number }> {
  const out = { uploads: 0, results: 0, history: 0 };
  for (const orgId of orgIds) {
    const { uploads, results, old } = await withTenant(db, { orgId }, async (tx) => {
      const settings = await campaignSettings(tx, orgId);
      const historyCutoff = new Date(now.getTime() - settings.importHistoryDays * 86_400_000);
      const uploads = await tx
        .select({ id: imports.id })
        .from(imports)
        .where(and(eq(imports.orgId, orgId), isNotNull(imports.uploadFileId), sql`${imports.uploadExpiresAt} <= ${now}`));
      const results = await tx
        .select({ id: imports.id })
        .from(imports)
        .where(and(eq(imports.orgId, orgId), isNotNull(imports.resultFileId), sql`${imports.resultExpiresAt} <= ${now}`));
      const old = await tx
        .select({ id: imports.id })
        .from(imports)
        .where(and(eq(imports.orgId, orgId), sql`${imports.createdAt} < ${historyCutoff}`, inArray(imports.status, ["succeeded", "failed", "cancelled", "rolled_back"])));
      return { uploads, results, old };
    });
    for (const u of uploads) if (await deleteImportFile(db, store, orgId, u.id, "upload", now)) out.uploads++;
    for (const r of results) if (await deleteImportFile(db, store, orgId, r.id, "result", now)) out.results++;
    for (const o of old) {
      await deleteImportFile(db, store, orgId, o.id, "upload", now);
      await deleteImportFile(db, store, orgId, o.id, "result", now);
      await withTenant(db, { orgId }, async (tx) => {
        // The contacts it created forget it (contacts.import_id has no foreign key to do this).
        await tx.update(contacts).set({ importId: null, importRow: null }).where(and(eq(contacts.orgId, orgId), eq(contacts.importId, o.id)));
        await tx.delete(imports).where(and(eq(imports.orgId, orgId), eq(imports.id, o.id)));
      });
      out.history++;
    }
  }
  return out;
}

/** The result file as a decrypting stream; the download is recorded in the campaign's activity log first. */
export async function openResultFile(db: Database, store: BlobStore, who: Who, id: string, requestId?: string | null) {
  const row = await withTenant(db, who, async (tx) => {
    const row = await importRow(tx, who.orgId, id);
    if (!row.resultFileId) throw new NotFoundError("This import has no result file (it was not kept, or its time is up).");
    await recordAuditEvent(tx, { orgId: who.orgId, actor: { kind: "member", id: who.userId }, action: "import.result_downloaded", target: { type: "import", id }, requestId });
    return row;
  });
  return (await openEncryptedFile(db, store, who, row.resultFileId!)).stream;
}
