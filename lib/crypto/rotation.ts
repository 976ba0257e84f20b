import "server-only";
import { and, asc, eq, gt, or, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { z } from "zod";
import { encryptedFiles, orgKeys } from "@/db/schema/crypto";
import { recordAuditEvent, type AuditActor } from "@/lib/audit/record";
import { resultRows, type Database, type Transaction } from "@/lib/db/client";
import { withTenant, type TenantContext } from "@/lib/db/tenant";
import { enqueueJob, latestJob } from "@/lib/jobs/queue";
import type { JobHandler } from "@/lib/jobs/runner";
import type { BlobStore } from "@/lib/storage/blob-store";
import { activateNewDataKey, activeDataKey, dataKeyVersion, listOrganizationKeys, retireDataKeys } from "./data-keys";
import { FIELD_HEADER_LENGTH, openWithKey, sealWithKey, sealedKeyVersion } from "./fields";
import { reencryptFile } from "./files";
import type { SealedTable } from "./sealed";
import { sealedTables } from "./sealed-tables";

/**
 * Data-key rotation: a new version becomes active at once (new writes use it), the old one turns
 * "retiring" and stays readable while this job re-encrypts the organisation's sealed rows and files
 * in small committed steps; when nothing is left under an old version, those versions are retired
 * (their key material deleted). A crash resumes after the last committed step.
 */
export const ROTATE_DATA_KEY_JOB = "crypto.rotate-data-key";
const ROWS_PER_STEP = 200;

const cursorSchema = z.union([
  z.object({ phase: z.literal("rows"), table: z.number().int().min(0), after: z.string().nullable() }),
  z.object({ phase: z.literal("files"), after: z.string().nullable() }),
  z.object({ phase: z.literal("retire") }),
  z.object({ phase: z.literal("done") }),
]);
type Cursor = z.infer<typeof cursorSchema>;
const progressSchema = z.object({ total: z.number(), done: z.number(), phase: z.string(), retired: z.array(z.number()).optional() });
type Progress = z.infer<typeof progressSchema>;

/** SQL: this sealed column holds a value under a key version other than `version` (read from the header). */
function staleColumn(column: PgColumn, version: number): SQL {
  return sql`(${column} is not null and substring(${column} from 3 for 4) <> int4send(${version}::int))`;
}

function staleRow(table: SealedTable<PgTable>, version: number): SQL {
  return or(...table.sealedColumns.map((c) => staleColumn(c.column, version)))!;
}

const columnOf = (table: SealedTable<PgTable>, key: string) => (table.table as unknown as Record<string, PgColumn>)[key]!;

/** Values and files of the organisation still under another key version than `version`. */
async function countStale(tx: Transaction, orgId: string, version: number): Promise<number> {
  let total = 0;
  for (const t of sealedTables) {
    const [row] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(t.table)
      .where(and(eq(columnOf(t, t.orgKey), orgId), staleRow(t, version)));
    total += Number(row?.n ?? 0);
  }
  const [files] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(encryptedFiles)
    .where(and(eq(encryptedFiles.orgId, orgId), staleColumn(encryptedFiles.fileKey, version)));
  return total + Number(files?.n ?? 0);
}

const tenantOf = (t: string | TenantContext): TenantContext => (typeof t === "string" ? { orgId: t } : t);

/**
 * Starts rotating the organisation's data key (the settings page's "Rotate key"), or returns the
 * rotation already in progress. New writes use the new version as soon as this returns.
 */
export async function startDataKeyRotation(db: Database, tenant: string | TenantContext): Promise<DataKeyRotationStart> {
  const ctx = tenantOf(tenant);
  const actor: AuditActor = ctx.userId ? { kind: "member", id: ctx.userId } : { kind: "system" };
  return withTenant(db, ctx, (tx) => startDataKeyRotationIn(tx, ctx.orgId, { actor }));
}

export type DataKeyRotationStart = { jobId: string; version: number; started: boolean };

/** The same inside the caller's tenant transaction; the start is recorded in the activity log in that transaction. */
export async function startDataKeyRotationIn(tx: Transaction, orgId: string, by: { actor: AuditActor; requestId?: string | null }): Promise<DataKeyRotationStart> {
  // FOR UPDATE before anything else: two concurrent starts then queue here instead of deadlocking on share locks.
  const lockDataKeys = () => tx.select({ v: orgKeys.version }).from(orgKeys).where(and(eq(orgKeys.orgId, orgId), eq(orgKeys.kind, "data"))).for("update");
  if ((await lockDataKeys()).length === 0) {
    await activeDataKey(tx, orgId); // the organisation never encrypted anything: create its first key
    await lockDataKeys();
  }
  const running = await latestJob(tx, orgId, ROTATE_DATA_KEY_JOB);
  if (running && (running.state === "queued" || running.state === "running")) {
    const active = (await listOrganizationKeys(tx, orgId)).find((k) => k.kind === "data" && k.status === "active");
    return { jobId: running.id, version: active!.version, started: false };
  }
  const { version } = await activateNewDataKey(tx, orgId);
  const total = await countStale(tx, orgId, version);
  const progress: Progress = { total, done: 0, phase: "rows" };
  const { id } = await enqueueJob(tx, { kind: ROTATE_DATA_KEY_JOB, orgId, dedupeKey: orgId, payload: { version }, progress, maxAttempts: 10 });
  await recordAuditEvent(tx, { orgId, actor: by.actor, action: "key.data_rotated", metadata: { phase: "started", version }, requestId: by.requestId ?? null });
  return { jobId: id, version, started: true };
}

/** One step over a sealed table: re-encrypts up to ROWS_PER_STEP stale rows after the cursor. */
async function reencryptRows(
  tx: Transaction,
  orgId: string,
  table: SealedTable<PgTable>,
  after: string | null,
  limit: number,
): Promise<{ count: number; last: string | null }> {
  const active = await activeDataKey(tx, orgId);
  const idColumn = columnOf(table, table.idKey);
  const rows = (await tx
    .select()
    .from(table.table)
    .where(and(eq(columnOf(table, table.orgKey), orgId), after === null ? undefined : gt(idColumn, after), staleRow(table, active.version)))
    .orderBy(asc(idColumn))
    .limit(limit)
    .for("update")) as Record<string, unknown>[];
  for (const row of rows) {
    const set: Record<string, Buffer> = {};
    for (const { key, column } of table.sealedColumns) {
      const value = row[key] as Buffer | null;
      if (!value || sealedKeyVersion(value) === active.version) continue;
      const place = { orgId, table: table.name, column: column.name, rowId: String(row[table.idKey]) };
      const old = await dataKeyVersion(tx, orgId, sealedKeyVersion(value));
      set[key] = sealWithKey(active, place, openWithKey(old, place, value));
    }
    await tx.update(table.table).set(set).where(eq(idColumn, row[table.idKey]));
  }
  return { count: rows.length, last: rows.length ? String(rows.at(-1)![table.idKey]) : null };
}

async function nextStaleFile(db: Database, orgId: string, after: string | null): Promise<string | null> {
  return withTenant(db, { orgId }, async (tx) => {
    const active = await activeDataKey(tx, orgId);
    const [row] = await tx
      .select({ id: encryptedFiles.id })
      .from(encryptedFiles)
      .where(and(eq(encryptedFiles.orgId, orgId), after === null ? undefined : gt(encryptedFiles.id, after), staleColumn(encryptedFiles.fileKey, active.version)))
      .orderBy(asc(encryptedFiles.id))
      .limit(1);
    return row?.id ?? null;
  });
}

/** The job handler; the store is where the organisation's encrypted files live. */
export function rotateDataKeyHandler(store: BlobStore, options: { rowsPerStep?: number } = {}): JobHandler {
  const rowsPerStep = options.rowsPerStep ?? ROWS_PER_STEP;
  return async (job, ctx) => {
    const orgId = job.orgId;
    if (!orgId) throw new Error("a data-key rotation belongs to an organisation");
    let cursor: Cursor = job.cursor === null ? { phase: "rows", table: 0, after: null } : cursorSchema.parse(job.cursor);
    const progress = (): Progress => progressSchema.parse(job.progress ?? { total: 0, done: 0, phase: "rows" });
    while (cursor.phase !== "done") {
      const c: Cursor = cursor;
      if (c.phase === "rows") {
        const table = sealedTables[c.table];
        const next = await ctx.step<Cursor>(async (tx) => {
          if (!table) return { cursor: { phase: "files", after: null }, progress: { ...progress(), phase: "files" }, result: { phase: "files", after: null } as Cursor };
          const { count, last } = await reencryptRows(tx, orgId, table, c.after, rowsPerStep);
          const moved: Cursor = count < rowsPerStep ? { phase: "rows", table: c.table + 1, after: null } : { phase: "rows", table: c.table, after: last };
          return { cursor: moved, progress: { ...progress(), done: progress().done + count }, result: moved };
        });
        cursor = next!;
      } else if (c.phase === "files") {
        const id = await nextStaleFile(ctx.db, orgId, c.after);
        if (!id) {
          cursor = (await ctx.step<Cursor>(async () => {
            const moved: Cursor = { phase: "retire" };
            return { cursor: moved, progress: { ...progress(), phase: "retire" }, result: moved };
          }))!;
          continue;
        }
        const moved: Cursor = { phase: "files", after: id };
        await reencryptFile(ctx.db, store, orgId, id, (swap) =>
          ctx
            .step(async (tx) => {
              const swapped = await swap(tx);
              return { cursor: moved, progress: { ...progress(), done: progress().done + 1 }, result: swapped };
            })
            .then(Boolean),
        );
        cursor = moved;
      } else {
        cursor = (await ctx.step<Cursor>(async (tx) => {
          const active = await activeDataKey(tx, orgId);
          const left = await countStale(tx, orgId, active.version);
          if (left > 0) {
            // Written under an old version after the pass began (cannot happen while writers pin the key): go round again.
            const again: Cursor = { phase: "rows", table: 0, after: null };
            return { cursor: again, progress: { ...progress(), total: progress().done + left, phase: "rows" }, result: again };
          }
          const retired = await retireDataKeys(tx, orgId);
          const done: Cursor = { phase: "done" };
          return { cursor: done, progress: { ...progress(), phase: "done", retired }, result: done };
        }))!;
      }
    }
  };
}

export type KeyRotationProgress = {
  /** idle: never rotated. */
  state: "idle" | "queued" | "running" | "succeeded" | "failed";
  jobId: string | null;
  activeVersion: number | null;
  /** Versions still readable while the rotation runs. */
  retiringVersions: number[];
  done: number;
  total: number;
  percent: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Error kind of the last failed attempt, if any (no data). */
  lastError: string | null;
};

/** What the owner's settings page shows about key rotation. */
export async function getKeyRotationProgress(db: Database, tenant: string | TenantContext): Promise<KeyRotationProgress> {
  const ctx = tenantOf(tenant);
  return withTenant(db, ctx, (tx) => keyRotationProgressIn(tx, ctx.orgId));
}

/** The same inside the caller's tenant transaction (the settings page loads it with the rest of its data). */
export async function keyRotationProgressIn(tx: Transaction, orgId: string): Promise<KeyRotationProgress> {
  const [job, keys] = [await latestJob(tx, orgId, ROTATE_DATA_KEY_JOB), await listOrganizationKeys(tx, orgId)];
  const data = keys.filter((k) => k.kind === "data");
  const p = job ? progressSchema.safeParse(job.progress) : null;
  const done = p?.success ? p.data.done : 0;
  const total = p?.success ? p.data.total : 0;
  const finished = job?.state === "succeeded";
  return {
    state: job?.state ?? "idle",
    jobId: job?.id ?? null,
    activeVersion: data.find((k) => k.status === "active")?.version ?? null,
    retiringVersions: data.filter((k) => k.status === "retiring").map((k) => k.version),
    done,
    total,
    percent: finished ? 100 : total === 0 ? 0 : Math.min(99, Math.floor((done / total) * 100)),
    startedAt: job?.createdAt ?? null,
    finishedAt: job?.finishedAt ?? null,
    lastError: job?.lastError ?? null,
  };
}

/** Count of values per data-key version across the organisation's sealed rows (diagnostics and tests). */
export async function sealedValuesByKeyVersion(db: Database, orgId: string): Promise<Record<number, number>> {
  return withTenant(db, { orgId }, async (tx) => {
    const out: Record<number, number> = {};
    const add = (rows: { v: number; n: number }[]) => rows.forEach((r) => (out[Number(r.v)] = (out[Number(r.v)] ?? 0) + Number(r.n)));
    const columns: Array<{ table: PgTable; column: PgColumn; org: PgColumn }> = [
      ...sealedTables.flatMap((t) => t.sealedColumns.map((c) => ({ table: t.table, column: c.column, org: columnOf(t, t.orgKey) }))),
      { table: encryptedFiles, column: encryptedFiles.fileKey, org: encryptedFiles.orgId },
    ];
    for (const c of columns) {
      const version = sql`get_byte(${c.column}, 2) * 16777216 + get_byte(${c.column}, 3) * 65536 + get_byte(${c.column}, 4) * 256 + get_byte(${c.column}, 5)`;
      const res = await tx.execute(
        sql`select ${version} as v, count(*)::int as n from ${c.table} where ${c.org} = ${orgId} and ${c.column} is not null and octet_length(${c.column}) > ${FIELD_HEADER_LENGTH} group by 1`,
      );
      add(resultRows<{ v: number; n: number }>(res));
    }
    return out;
  });
}
