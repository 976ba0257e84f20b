import "server-only";
import { and, asc, count, eq, gt, isNull, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Database, Transaction } from "@/lib/db/client";
import { inEachCampaign, type CampaignFailure } from "@/lib/db/each-campaign";
import { enqueueJob } from "@/lib/jobs/queue";
import type { JobHandler } from "@/lib/jobs/runner";
import { activeDataKey } from "./data-keys";
import type { SealedTable } from "./sealed";
import { sealedTables } from "./sealed-tables";

/**
 * The pack job: moves rows written before a table sealed its fields as one group (contacts' card, migration 0028) from
 * the per-column form into the group, under the campaign's active data key, in small committed steps; a crash resumes
 * after the last committed step (rows already packed no longer match). Readers take either form meanwhile. The hourly
 * chores queue it for any campaign that still has such rows.
 */
export const PACK_SEALED_ROWS_JOB = "crypto.pack-sealed-rows";
const ROWS_PER_STEP = 200;

const cursorSchema = z.object({ table: z.number().int().min(0), after: z.string().nullable() });
type Cursor = z.infer<typeof cursorSchema>;
const progressSchema = z.object({ total: z.number(), done: z.number() });

const grouped = (): SealedTable<PgTable>[] => sealedTables.filter((t) => t.group !== null);
const columnOf = (table: SealedTable<PgTable>, key: string) => (table.table as unknown as Record<string, PgColumn>)[key]!;

/** SQL: the row still holds its group's fields one per column. */
function perColumnRow(table: SealedTable<PgTable>): SQL {
  return and(isNull(columnOf(table, table.group!.into)), sql`(${sql.join(table.group!.members.map((m) => sql`${columnOf(table, m)} is not null`), sql` or `)})`)!;
}

/** Rows of the campaign still in the per-column form, over every grouped table. */
export async function countPerColumnRows(tx: Transaction, orgId: string): Promise<number> {
  let total = 0;
  for (const t of grouped()) {
    const [row] = await tx
      .select({ n: count() })
      .from(t.table)
      .where(and(eq(columnOf(t, t.orgKey), orgId), perColumnRow(t)));
    total += Number(row?.n ?? 0);
  }
  return total;
}

/** Queues the pack job for the campaign when it has rows to pack (one job at a time); returns whether it did. */
export async function queuePackIfNeeded(tx: Transaction, orgId: string): Promise<boolean> {
  for (const t of grouped()) {
    const [any] = await tx
      .select({ id: columnOf(t, t.idKey) })
      .from(t.table)
      .where(and(eq(columnOf(t, t.orgKey), orgId), perColumnRow(t)))
      .limit(1);
    if (!any) continue;
    const total = await countPerColumnRows(tx, orgId);
    return (await enqueueJob(tx, { kind: PACK_SEALED_ROWS_JOB, orgId, dedupeKey: orgId, progress: { total, done: 0 }, maxAttempts: 10 })).created;
  }
  return false;
}

/** One step: packs up to `limit` rows of the table after the cursor, locked, under the active data key. */
async function packRows(tx: Transaction, orgId: string, table: SealedTable<PgTable>, after: string | null, limit: number): Promise<{ count: number; last: string | null }> {
  const key = await activeDataKey(tx, orgId);
  const idColumn = columnOf(table, table.idKey);
  const rows = (await tx
    .select()
    .from(table.table)
    .where(and(eq(columnOf(table, table.orgKey), orgId), after === null ? undefined : gt(idColumn, after), perColumnRow(table)))
    .orderBy(asc(idColumn))
    .limit(limit)
    .for("update")) as Record<string, unknown>[];
  for (const row of rows) {
    const set = await table.packRow(tx, key, row as never);
    if (set) await tx.update(table.table).set(set).where(and(eq(columnOf(table, table.orgKey), orgId), eq(idColumn, row[table.idKey])));
  }
  return { count: rows.length, last: rows.length ? String(rows.at(-1)![table.idKey]) : null };
}

/** The job handler. */
export function packSealedRowsHandler(options: { rowsPerStep?: number } = {}): JobHandler {
  const rowsPerStep = options.rowsPerStep ?? ROWS_PER_STEP;
  return async (job, ctx) => {
    const orgId = job.orgId;
    if (!orgId) throw new Error("a pack job belongs to an organisation");
    const tables = grouped();
    let cursor: Cursor = job.cursor === null ? { table: 0, after: null } : cursorSchema.parse(job.cursor);
    while (cursor.table < tables.length) {
      const c = cursor;
      cursor = (await ctx.step<Cursor>(async (tx) => {
        const { count: n, last } = await packRows(tx, orgId, tables[c.table]!, c.after, rowsPerStep);
        const moved: Cursor = n < rowsPerStep ? { table: c.table + 1, after: null } : { table: c.table, after: last };
        const p = progressSchema.safeParse(job.progress);
        const progress = { total: p.success ? p.data.total : 0, done: (p.success ? p.data.done : 0) + n };
        return { cursor: moved, progress, result: moved };
      }))!;
    }
  };
}

/** The hourly chore: queues the pack job in each campaign that still has rows in the per-column form. */
export async function queuePacks(db: Database): Promise<{ queued: number; failures: CampaignFailure[] }> {
  const { values, failures } = await inEachCampaign(db, (tx, orgId) => queuePackIfNeeded(tx, orgId));
  return { queued: values.filter(Boolean).length, failures };
}
