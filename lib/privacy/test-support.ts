import { sql } from "drizzle-orm";
import type { Database } from "@/lib/db/client";
import { resultRows } from "@/lib/db/client";

/** Runs `fn` as the database owner (the connecting superuser): RLS hides nothing, like a dump or an attacker with the disk. */
export async function asDatabaseOwner<T>(db: Database, fn: (query: <R>(q: ReturnType<typeof sql>) => Promise<R[]>) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const [{ owner }] = resultRows<{ owner: string }>(await tx.execute(sql`select session_user::text as owner`)) as [{ owner: string }];
    await tx.execute(sql.raw(`SET LOCAL ROLE "${owner.replace(/"/g, "")}"`));
    return fn(async <R>(q: ReturnType<typeof sql>) => resultRows<R>(await tx.execute(q)));
  });
}

/** Every row of every table as text, one line per row ("public.contacts: {...}"), read as the owner. */
export async function rawDatabaseDump(db: Database): Promise<string> {
  return asDatabaseOwner(db, async (query) => {
    const tables = await query<{ schema: string; name: string }>(
      sql`select schemaname as schema, tablename as name from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`,
    );
    const lines: string[] = [];
    for (const t of tables) {
      const rows = await query<{ line: string }>(sql.raw(`select row_to_json(t)::text as line from "${t.schema}"."${t.name}" t`));
      lines.push(...rows.map((r) => `${t.schema}.${t.name}: ${r.line}`));
    }
    return lines.join("\n");
  });
}

/** Rows of each workspace table that mention any of `contactIds` (by id or contact_id), counted as the owner. */
export async function rawContactTraces(db: Database, contactIds: string[]): Promise<Record<string, number>> {
  if (contactIds.length === 0) return {};
  const ids = sql.raw(contactIds.map((id) => `'${id.replace(/[^0-9a-f-]/gi, "")}'::uuid`).join(", "));
  return asDatabaseOwner(db, async (query) => {
    const out: Record<string, number> = {};
    for (const [table, column] of [
      ["contacts", "id"],
      ["contact_list_members", "contact_id"],
      ["action_targets", "contact_id"],
      ["reports", "contact_id"],
    ] as const) {
      const [row] = await query<{ n: number | string }>(sql`select count(*) as n from ${sql.raw(table)} where ${sql.raw(column)} in (${ids})`);
      out[table] = Number(row?.n ?? 0);
    }
    return out;
  });
}
