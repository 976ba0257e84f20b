import "server-only";
import { randomUUID } from "node:crypto";
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import { stringify } from "csv-stringify/sync";
import { z } from "zod";
import { uuidSchema } from "@/lib/validation/ids";
import { contactListMembers, contacts, importRows, imports, type Import } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { neutralizeCsvCell } from "@/lib/contacts/export-csv";
import { contactKeys, deleteContactRows, setContactExternalIds, updateContactFields, type ContactKeys } from "@/lib/contacts/write-rows";
import type { ContactValues } from "@/lib/contacts/input";
import { openEncryptedFile, putEncryptedFile } from "@/lib/crypto/files";
import type { Database, Transaction } from "@/lib/db/client";
import { enterTenant, withTenant } from "@/lib/db/tenant";
import { JobInterruptedError, LeaseLostError, type JobContext, type JobHandler, type RunningJob } from "@/lib/jobs/runner";
import type { BlobStore } from "@/lib/storage/blob-store";
import { importLimits, type ImportLimits } from "./limits";
import { ImportFileError, readSheet } from "./read";
import { campaignSettings, deleteImportFile, IMPORT_EXPIRE_JOB, IMPORT_JOB, IMPORT_ROLLBACK_JOB, importRow, textEncodingOf, type Who } from "./service";
import { sealedImportRows } from "./sealed";
import { openPreparer } from "./preparer";
import { writeImportBatch, type BatchRow, type PreparedBatch } from "./write";

/**
 * The import's background jobs on the shared runner. Each batch is one step: the rows it wrote, their history records,
 * the counters and the cursor commit together, so a process killed mid-import resumes after the last committed batch
 * with nothing duplicated and nothing lost. Every step acts as the admin who started (or rolled back) the import, so
 * the campaign's RLS applies to the job as it would to that person.
 */

export const IMPORT_BATCH_ROWS = 1000;
const ROLLBACK_BATCH_ROWS = 200;
const payloadSchema = z.object({ importId: uuidSchema });
const cursorSchema = z.object({ done: z.number().int().min(0) }).nullable().catch(null);
/** Where a rollback stands: the history rows up to `after`, then (`created`) the contacts it created up to `after`. */
const rollbackCursorSchema = z.object({ after: z.number().int().min(0), created: z.boolean().optional() }).nullable().catch(null);

/** A step as the given person: the runner opened the campaign; this narrows it to what they may do. */
function stepAs<T>(ctx: JobContext, who: Who, fn: (tx: Transaction) => Promise<{ cursor: unknown; progress?: unknown; result?: T }>) {
  return ctx.step(async (tx) => {
    await enterTenant(tx, who);
    return fn(tx);
  });
}

const load = (db: Database, orgId: string, id: string) => withTenant(db, { orgId }, (tx) => importRow(tx, orgId, id));
const isFinal = (s: Import["status"]) => ["succeeded", "failed", "cancelled", "rolled_back"].includes(s);

async function finishImport(
  db: Database,
  store: BlobStore,
  imp: Import,
  who: Who,
  status: "succeeded" | "failed" | "cancelled",
  reason: "invalid_file" | "internal" = "invalid_file",
  now = new Date(),
) {
  const current = await load(db, who.orgId, imp.id);
  if (isFinal(current.status)) return;
  // Files first, status last: a page that sees the import end finds its result file, and a crash here finishes again.
  await deleteImportFile(db, store, who.orgId, imp.id, "upload", now);
  if (status !== "failed" && !current.resultFileId) await writeResultFile(db, store, who, imp.id, now);
  await withTenant(db, who, async (tx) => {
    const [row] = await tx
      .update(imports)
      .set({ status, finishedAt: now, updatedAt: now })
      .where(and(eq(imports.id, imp.id), inArray(imports.status, ["queued", "running"])))
      .returning();
    if (!row) return;
    if (status === "failed") await recordAuditEvent(tx, { orgId: who.orgId, actor: { kind: "member", id: who.userId }, action: "import.failed", target: { type: "import", id: imp.id }, metadata: { reason } });
    else
      await recordAuditEvent(tx, {
        orgId: who.orgId,
        actor: { kind: "member", id: who.userId },
        action: "import.completed",
        target: { type: "import", id: imp.id },
        metadata: { inserted: row.created, updated: row.updated, skipped: row.skipped, failed: row.failed, format: row.format, ...(status === "cancelled" ? { cancelled: true } : {}) },
      });
  });
}

/** The error report and created/updated summary as CSV, encrypted into the store, kept for the campaign's result lifetime (none when 0). */
async function writeResultFile(db: Database, store: BlobStore, who: Who, id: string, now: Date): Promise<void> {
  const keepDays = await withTenant(db, who, async (tx) => (await campaignSettings(tx, who.orgId)).importResultDays);
  if (keepDays === 0) return;
  let after = 0;
  let headerSent = false;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = await withTenant(db, who, (tx) => resultRowsAfter(tx, who.orgId, id, after, 2000));
      const records = rows.map((r) => [String(r.rowNumber), r.outcome, r.contactId ?? "", r.errorColumn ?? "", r.errorReason ?? ""].map(neutralizeCsvCell));
      if (!headerSent) records.unshift(["row", "outcome", "contact_id", "column", "reason"]);
      headerSent = true;
      if (records.length) controller.enqueue(encoder.encode(stringify(records)));
      if (rows.length === 0) return controller.close();
      after = rows[rows.length - 1]!.rowNumber;
    },
  });
  const file = await putEncryptedFile(db, store, who, body);
  await withTenant(db, who, (tx) =>
    tx
      .update(imports)
      .set({ resultFileId: file.id, resultExpiresAt: new Date(now.getTime() + keepDays * 86_400_000), updatedAt: now })
      .where(eq(imports.id, id)),
  );
}

type ResultRow = { rowNumber: number; outcome: string; contactId: string | null; errorColumn: string | null; errorReason: string | null };

/**
 * The next `limit` rows of an import's outcome after row `after`, in file order: its history rows (updated, skipped,
 * failed) merged with the contacts it created (which carry their import and row, contacts.import_id).
 */
async function resultRowsAfter(tx: Transaction, orgId: string, id: string, after: number, limit: number): Promise<ResultRow[]> {
  const history = await tx
    .select({ rowNumber: importRows.rowNumber, outcome: importRows.outcome, contactId: importRows.contactId, errorColumn: importRows.errorColumn, errorReason: importRows.errorReason })
    .from(importRows)
    .where(and(eq(importRows.orgId, orgId), eq(importRows.importId, id), gt(importRows.rowNumber, after)))
    .orderBy(asc(importRows.rowNumber))
    .limit(limit);
  const created = await tx
    .select({ rowNumber: contacts.importRow, contactId: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.orgId, orgId), eq(contacts.importId, id), gt(contacts.importRow, after)))
    .orderBy(asc(contacts.importRow))
    .limit(limit);
  const merged: ResultRow[] = [...history, ...created.map((c) => ({ rowNumber: c.rowNumber!, outcome: "created", contactId: c.contactId, errorColumn: null, errorReason: null }))];
  return merged.sort((a, b) => a.rowNumber - b.rowNumber).slice(0, limit);
}

/** From how many rows left an import prepares its batches in a worker thread (lib/imports/preparer.ts). */
export const IMPORT_WORKER_FROM_ROWS = 5000;

export function importJobHandler(
  store: BlobStore,
  options: { limits?: () => ImportLimits; batchRows?: number; workerFromRows?: number; requireWorker?: boolean } = {},
): JobHandler {
  const limits = options.limits ?? importLimits;
  const batchRows = options.batchRows ?? IMPORT_BATCH_ROWS;
  const workerFromRows = options.workerFromRows ?? IMPORT_WORKER_FROM_ROWS;
  const requireWorker = options.requireWorker ?? false;
  return async (job: RunningJob, ctx: JobContext) => {
    const { importId } = payloadSchema.parse(job.payload);
    const orgId = job.orgId!;
    const imp = await load(ctx.db, orgId, importId);
    if (isFinal(imp.status) || !imp.createdBy || !imp.mapping || !imp.options) return;
    const who: Who = { orgId, userId: imp.createdBy };
    if (imp.cancelRequestedAt) return finishImport(ctx.db, store, imp, who, "cancelled");
    if (!imp.uploadFileId) return finishImport(ctx.db, store, imp, who, "failed");
    const mapping = imp.mapping;
    const options = imp.options;
    const fileId = imp.uploadFileId;
    const start = cursorSchema.parse(job.cursor)?.done ?? 0;
    // The keys of the last transaction: the next batches are prepared (validated, indexed, sealed) under them while
    // that transaction's writes are in flight, and used only if their own transaction holds the same keys.
    let keys: ContactKeys | undefined;
    await stepAs(ctx, who, async (tx) => {
      await tx
        .update(imports)
        .set({ status: "running", startedAt: imp.startedAt ?? new Date(), updatedAt: new Date() })
        .where(eq(imports.id, importId));
      keys = await contactKeys(tx, orgId);
      return { cursor: { done: start } };
    });

    const commit = async (batch: BatchRow[], done: number, prepared: PreparedBatch | undefined) =>
      stepAs(ctx, who, async (tx) => {
        const [current] = await tx.select({ cancel: imports.cancelRequestedAt }).from(imports).where(eq(imports.id, importId)).for("update");
        if (current?.cancel) return { cursor: { done: done - batch.length }, result: "cancel" as const };
        const counts = await writeImportBatch(tx, who, { id: importId, mapping, options }, batch, prepared);
        keys = await contactKeys(tx, orgId);
        await tx
          .update(imports)
          .set({
            rowsDone: done,
            created: sql`${imports.created} + ${counts.created}`,
            updated: sql`${imports.updated} + ${counts.updated}`,
            skipped: sql`${imports.skipped} + ${counts.skipped}`,
            failed: sql`${imports.failed} + ${counts.failed}`,
            updatedAt: new Date(),
          })
          .where(eq(imports.id, importId));
        return { cursor: { done }, progress: { done, total: imp.totalRows }, result: "ok" as const };
      });

    // Three batches in hand at most: one batch's step in flight; the next one's preparation asked for before that step
    // starts, so a worker thread prepares it while the step writes (inline, it interleaves with the step's queries);
    // the one after it being read.
    const preparer = openPreparer({ worker: imp.totalRows - start >= workerFromRows, require: requireWorker });
    let pending: Promise<"ok" | "cancel" | undefined> | undefined;
    let next: { batch: BatchRow[]; done: number; preparing: Promise<PreparedBatch | undefined> } | undefined;
    const settle = async () => {
      const p = pending;
      pending = undefined;
      return p ? await p : "ok";
    };
    /** Starts the waiting batch's step once the step before it has ended. */
    const advance = async () => {
      const waiting = next;
      next = undefined;
      if ((await settle()) === "cancel") return "cancel";
      if (!waiting) return "ok";
      pending = commit(waiting.batch, waiting.done, await waiting.preparing);
      // Handled here so a failure while the next batch is read is not reported as unhandled; settled below all the same.
      pending.catch(() => undefined);
      return "ok";
    };
    const send = async (batch: BatchRow[], done: number) => {
      const preparing = keys ? preparer.prepare(keys, who, { id: importId, mapping, options }, batch) : Promise.resolve(undefined);
      preparing.catch(() => undefined);
      const outcome = await advance();
      next = { batch, done, preparing };
      return outcome;
    };

    try {
      const open = async () => (await openEncryptedFile(ctx.db, store, who, fileId)).stream;
      let seen = -1;
      let batch: BatchRow[] = [];
      for await (const row of readSheet(open, imp.format, { encoding: textEncodingOf(imp), limits: limits(), fileSize: imp.fileSize })) {
        seen++;
        if (seen === 0 || seen <= start) continue;
        batch.push(row);
        if (batch.length >= batchRows) {
          if ((await send(batch, seen)) === "cancel") return await finishImport(ctx.db, store, imp, who, "cancelled");
          batch = [];
        }
      }
      if (batch.length && (await send(batch, seen)) === "cancel") return await finishImport(ctx.db, store, imp, who, "cancelled");
      if ((await advance()) === "cancel" || (await settle()) === "cancel") return await finishImport(ctx.db, store, imp, who, "cancelled");
      const after = await load(ctx.db, orgId, importId);
      return await finishImport(ctx.db, store, imp, who, after.cancelRequestedAt ? "cancelled" : "succeeded");
    } catch (thrown) {
      let err = thrown;
      // A batch still in flight ends first: its own failure is the earlier one, and nothing else may write meanwhile.
      try {
        if ((await settle()) === "cancel") return await finishImport(ctx.db, store, imp, who, "cancelled");
      } catch (earlier) {
        err = earlier;
      }
      if (err instanceof JobInterruptedError || err instanceof LeaseLostError) throw err;

      if (err instanceof ImportFileError || job.attempts >= job.maxAttempts) {
        await finishImport(ctx.db, store, imp, who, "failed", err instanceof ImportFileError ? "invalid_file" : "internal");
        if (err instanceof ImportFileError) return;
      }
      throw err;
    } finally {
      await preparer.close();
    }
  };
}

/** Undoes an import: created contacts deleted, overwritten fields restored from the sealed before-image, added tags and list entries removed; a contact edited since is left as it is and reported. */
export function rollbackJobHandler(options: { batchRows?: number } = {}): JobHandler {
  const batchRows = options.batchRows ?? ROLLBACK_BATCH_ROWS;
  return async (job, ctx) => {
    const { importId } = payloadSchema.parse(job.payload);
    const orgId = job.orgId!;
    const imp = await load(ctx.db, orgId, importId);
    if (imp.status !== "rolling_back" || !imp.rolledBackBy) return;
    const who: Who = { orgId, userId: imp.rolledBackBy };
    const cursor = rollbackCursorSchema.parse(job.cursor);
    let after = cursor?.after ?? 0;
    let created = cursor?.created ?? false;
    const counted = (tx: Transaction, done: number, kept: number) =>
      tx
        .update(imports)
        .set({ rollbackDone: sql`${imports.rollbackDone} + ${done}`, rollbackKept: sql`${imports.rollbackKept} + ${kept}`, updatedAt: new Date() })
        .where(eq(imports.id, importId));
    // First the history rows (fields it overwrote, tags and lists it added), then the contacts it created.
    while (!created) {
      const more = await stepAs(ctx, who, async (tx) => {
        const rows = await tx
          .select()
          .from(importRows)
          .where(and(eq(importRows.orgId, orgId), eq(importRows.importId, importId), eq(importRows.outcome, "updated"), gt(importRows.rowNumber, after)))
          .orderBy(asc(importRows.rowNumber))
          .limit(batchRows);
        if (rows.length === 0) {
          after = 0;
          created = true;
          return { cursor: { after, created }, result: false };
        }
        const { done, kept } = await rollbackRows(tx, orgId, rows);
        after = rows[rows.length - 1]!.rowNumber;
        await counted(tx, done, kept);
        return { cursor: { after }, result: true };
      });
      if (!more) break;
    }
    for (;;) {
      const more = await stepAs(ctx, who, async (tx) => {
        const { last, done, kept } = await rollbackCreated(tx, orgId, importId, after, batchRows);
        if (last === null) return { cursor: { after, created: true }, result: false };
        after = last;
        await counted(tx, done, kept);
        return { cursor: { after, created: true }, result: true };
      });
      if (!more) break;
    }
    await withTenant(ctx.db, who, async (tx) => {
      const now = new Date();
      const [row] = await tx.update(imports).set({ status: "rolled_back", rolledBackAt: now, updatedAt: now }).where(and(eq(imports.id, importId), eq(imports.status, "rolling_back"))).returning();
      if (row)
        await recordAuditEvent(tx, {
          orgId,
          actor: { kind: "member", id: who.userId },
          action: "import.rolled_back",
          target: { type: "import", id: importId },
          metadata: { rows: row.rollbackDone, kept: row.rollbackKept },
        });
    });
  };
}

type ImportRowRecord = typeof importRows.$inferSelect;

/**
 * One rollback batch of the contacts an import updated: overwritten fields back to their before-image, added tags and
 * list entries removed. Returns how many were undone and how many were left because someone edited them since. (Created
 * contacts carry their import themselves since migration 0031, which moved every history row of one onto its contact:
 * rollbackCreated undoes them.)
 */
export async function rollbackRows(tx: Transaction, orgId: string, rows: ImportRowRecord[]): Promise<{ done: number; kept: number }> {
  const ids = rows.flatMap((r) => (r.contactId ? [r.contactId] : []));
  const current = ids.length ? await tx.select().from(contacts).where(and(eq(contacts.orgId, orgId), inArray(contacts.id, ids))) : [];
  const byId = new Map(current.map((c) => [c.id, c]));
  const keptRows: string[] = [];
  let done = 0;
  for (const row of rows) {
    const contact = row.contactId ? byId.get(row.contactId) : undefined;
    if (!contact) continue;
    if (row.writtenAt && contact.updatedAt.getTime() > row.writtenAt.getTime()) {
      keptRows.push(row.id);
      continue;
    }
    done++;
    const opened = await sealedImportRows.open(tx, row);
    const before = { ...(opened.before ?? {}) };
    const patch: Partial<ContactValues> = {};
    for (const [field, value] of Object.entries(before)) if (field !== "externalId") (patch as Record<string, unknown>)[field] = value ?? undefined;
    if (row.tagsAdded.length) patch.tags = contact.tags.filter((t) => !row.tagsAdded.includes(t));
    if (Object.keys(patch).length) await updateContactFields(tx, orgId, contact.id, patch);
    if ("externalId" in before) await setContactExternalIds(tx, orgId, [{ id: contact.id, externalId: (before.externalId as string | null) ?? null }]);
    if (row.listsAdded.length)
      await tx.delete(contactListMembers).where(and(eq(contactListMembers.orgId, orgId), eq(contactListMembers.contactId, contact.id), inArray(contactListMembers.listId, row.listsAdded)));
  }
  if (keptRows.length) await tx.update(importRows).set({ keptAtRollback: true }).where(inArray(importRows.id, keptRows));
  return { done, kept: keptRows.length };
}

/**
 * One rollback batch of the contacts an import created (file rows after `after`): deleted for real, unless someone
 * edited the contact after the import wrote it (updated_at past created_at, the import's own transaction), in which
 * case it is left as it is and reported on the import's page. Returns the last row handled (null when none was left).
 */
export async function rollbackCreated(tx: Transaction, orgId: string, importId: string, after: number, limit: number): Promise<{ last: number | null; done: number; kept: number }> {
  const rows = await tx
    .select({ id: contacts.id, importRow: contacts.importRow, createdAt: contacts.createdAt, edited: sql<boolean>`${contacts.updatedAt} > ${contacts.createdAt}` })
    .from(contacts)
    .where(and(eq(contacts.orgId, orgId), eq(contacts.importId, importId), gt(contacts.importRow, after)))
    .orderBy(asc(contacts.importRow))
    .limit(limit);
  if (rows.length === 0) return { last: null, done: 0, kept: 0 };
  // Compared in the database, to the microsecond.
  const edited = rows.filter((r) => r.edited);
  const untouched = rows.filter((r) => !r.edited);
  await deleteContactRows(
    tx,
    orgId,
    untouched.map((r) => r.id),
  );
  if (edited.length)
    await tx.insert(importRows).values(
      edited.map((r) => ({ id: randomUUID(), importId, orgId, rowNumber: r.importRow!, outcome: "created" as const, contactId: r.id, writtenAt: r.createdAt, keptAtRollback: true })),
    );
  return { last: rows[rows.length - 1]!.importRow!, done: untouched.length, kept: edited.length };
}

/** Due at the upload's expiry: deletes it if the import has not already. */
export function expireUploadJobHandler(store: BlobStore): JobHandler {
  return async (job, ctx) => {
    const { importId } = payloadSchema.parse(job.payload);
    const orgId = job.orgId!;
    const gone = await withTenant(ctx.db, { orgId }, async (tx) => (await tx.select({ id: imports.id }).from(imports).where(eq(imports.id, importId))).length === 0);
    if (!gone) await deleteImportFile(ctx.db, store, orgId, importId, "upload");
  };
}

export function importJobHandlers(store: BlobStore): Record<string, JobHandler> {
  return { [IMPORT_JOB]: importJobHandler(store), [IMPORT_ROLLBACK_JOB]: rollbackJobHandler(), [IMPORT_EXPIRE_JOB]: expireUploadJobHandler(store) };
}
