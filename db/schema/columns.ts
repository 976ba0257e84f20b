import { sql } from "drizzle-orm";
import { timestamp, type AnyPgColumn } from "drizzle-orm/pg-core";

export { boolean, integer, bigint, jsonb, pgEnum, pgTable, primaryKey, smallint, text, uuid, index } from "drizzle-orm/pg-core";

/** Every timestamp is stored with its time zone. */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** A CHECK body keeping a text column to the values of its TypeScript list, so the two cannot drift. */
export const oneOf = (column: AnyPgColumn, values: readonly string[]) =>
  sql`${column} in (${sql.raw(values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", "))})`;
