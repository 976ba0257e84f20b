import { getTableColumns, getTableName, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { asBuffer } from "@/lib/bytes";
import type { Transaction } from "./client";

/**
 * Bulk writes that send a batch as ONE parameter: the rows as a JSON array, turned back into typed rows by
 * `jsonb_to_recordset` in the database. A multi-row VALUES list of N rows × C columns costs N × C bound parameters,
 * each built by the query builder and serialised by the driver one by one (for 500 contacts, 7,000 parameters and
 * more time than the database spends inserting them); one JSON text is built and parsed natively on both sides.
 * Row-level security, constraints, defaults and triggers apply exactly as to any INSERT.
 */

/** SQL types a JSON value can carry as its text form (jsonb_to_recordset reads each with the type's own input). */
const SCALAR_TYPES = new Set(["uuid", "text", "bytea", "integer", "bigint", "boolean", "timestamp with time zone", "jsonb"]);

const hex = (b: Uint8Array) => `\\x${asBuffer(b).toString("hex")}`;

/** The JSON form of one value for a column of SQL type `type` (bytea as hex text, arrays element by element). */
function jsonValue(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type === "jsonb") return value;
  if (Array.isArray(value)) return value.map((v) => jsonValue(type.replace(/\[\]$/, ""), v));
  if (value instanceof Uint8Array) return hex(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}

/** SQL type of a column as jsonb_to_recordset must declare it; refuses a type whose JSON form is not defined here. */
function recordType(column: PgColumn): string {
  const type = column.getSQLType();
  const base = type.replace(/\[\]$/, "");
  const normal = base === "timestamptz" ? "timestamp with time zone" : base;
  if (!SCALAR_TYPES.has(normal)) throw new TypeError(`bulk insert: column ${column.name} has type ${type}, not supported`);
  return type.endsWith("[]") ? `${normal}[]` : normal;
}

/** `jsonb_to_recordset(<one parameter>) as r(col type, …)` over the given rows and properties of `table`. */
function recordset<T extends PgTable>(table: T, keys: string[], rows: Record<string, unknown>[]): { from: SQL; columns: PgColumn[] } {
  const all = getTableColumns(table) as Record<string, PgColumn>;
  const columns = keys.map((k) => {
    const column = all[k];
    if (!column) throw new TypeError(`bulk insert: ${getTableName(table)} has no property ${k}`);
    return column;
  });
  const types = columns.map(recordType);
  const json = JSON.stringify(
    rows.map((row) => {
      const out: Record<string, unknown> = {};
      keys.forEach((k, i) => (out[columns[i]!.name] = jsonValue(types[i]!, row[k])));
      return out;
    }),
  );
  const defs = columns.map((c, i) => `"${c.name}" ${types[i]}`).join(", ");
  return { from: sql`jsonb_to_recordset(${json}::jsonb) as r(${sql.raw(defs)})`, columns };
}

/**
 * Inserts rows into `table` in one statement with one parameter. Every row must give the same properties (the
 * first row's keys; an absent value in a later row is NULL, not the column default). Returns nothing: callers set
 * ids before inserting.
 */
export async function bulkInsert<T extends PgTable>(tx: Transaction, table: T, rows: T["$inferInsert"][]): Promise<void> {
  if (rows.length === 0) return;
  const keys = Object.keys(rows[0]!).filter((k) => (rows[0] as Record<string, unknown>)[k] !== undefined);
  const { from, columns } = recordset(table, keys, rows as Record<string, unknown>[]);
  const names = sql.raw(columns.map((c) => `"${c.name}"`).join(", "));
  const values = sql.raw(columns.map((c) => `r."${c.name}"`).join(", "));
  await tx.execute(sql`insert into ${table} (${names}) select ${values} from ${from}`);
}

/** `column = any(<one parameter>)` for a list of byte strings (blind indexes), however long the list. */
export function inBytes(column: PgColumn, values: readonly Uint8Array[]): SQL {
  return sql`${column} = any(${`{${values.map((v) => `"\\${hex(v)}"`).join(",")}}`}::bytea[])`;
}

/** `column = any(<one parameter>)` for a list of texts. */
export function inTexts(column: PgColumn, values: readonly string[]): SQL {
  return sql`${column} = any(array(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb)))`;
}
