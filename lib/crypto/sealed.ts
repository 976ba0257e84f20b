import "server-only";
import { getTableColumns, getTableName } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { isSealedColumn, type Sealed } from "@/db/schema/crypto";
import type { Transaction } from "@/lib/db/client";
import { activeDataKey, dataKeyVersion, type DataKey } from "./data-keys";
import { CiphertextFormatError } from "./errors";
import { openWithKey, sealWithKey, sealedKeyVersion, type FieldPlace } from "./fields";

/** A row type with every sealed column replaced by the plain value it holds. */
export type Opened<R> = {
  [K in keyof R]: [NonNullable<R[K]>] extends [Sealed<infer T>] ? T | Extract<R[K], null | undefined> : R[K];
};

type Row<T extends PgTable> = T["$inferSelect"];
type NewRow<T extends PgTable> = T["$inferInsert"];
type KeyOf<T extends PgTable> = Extract<keyof Row<T>, string>;

/** How a table's sealed rows appear in the owner's GnuPG export: all values, or everything but the sealed ones. */
export type ExportMode = "full" | "metadata";

export type SealedTable<T extends PgTable> = {
  table: T;
  /** SQL name, part of every value's place. */
  name: string;
  idKey: KeyOf<T>;
  orgKey: KeyOf<T>;
  /** Property names and columns declared with sealed(). */
  sealedColumns: ReadonlyArray<{ key: string; column: PgColumn }>;
  exportMode: ExportMode;
  /** Encrypts the sealed properties of a new row (its id must already be set). */
  seal(tx: Transaction, values: Opened<NewRow<T>>): Promise<NewRow<T>>;
  /**
   * The same with a data key the caller already holds (its organisation's active key, read in the transaction that
   * writes the row, or checked there to be still active: see lib/imports/write.ts). Synchronous, for batches.
   */
  sealWith(key: DataKey, values: Opened<NewRow<T>>): NewRow<T>;
  /** Encrypts the sealed properties of an update to the row `at`. */
  sealPatch(tx: Transaction, at: { orgId: string; id: string }, patch: Partial<Opened<NewRow<T>>>): Promise<Partial<NewRow<T>>>;
  /** Decrypts the sealed properties of rows read from the table (their id and organisation columns must be selected). */
  open(tx: Transaction, row: Row<T>): Promise<Opened<Row<T>>>;
  openAll(tx: Transaction, rows: Row<T>[]): Promise<Opened<Row<T>>[]>;
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

function encode(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError("a sealed value must be JSON-serialisable");
  return json;
}

function decode(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    throw new CiphertextFormatError("the sealed value is not JSON");
  }
}

/**
 * Describes a table whose sealed() columns are encrypted field by field. Callers read and write plain
 * values through it; the place of each value is (organisation, table, column, row id). Register the
 * result in lib/crypto/sealed-tables.ts so key rotation and the export reach it.
 */
export function sealedTable<T extends PgTable>(table: T, options: { id: KeyOf<T>; orgId: KeyOf<T>; exportMode?: ExportMode }): SealedTable<T> {
  const name = getTableName(table);
  const all = getTableColumns(table) as Record<string, PgColumn>;
  const sealedColumns = Object.entries(all)
    .filter(([, column]) => isSealedColumn(column))
    .map(([key, column]) => ({ key, column }));
  if (sealedColumns.length === 0) throw new Error(`${name} has no sealed() column`);
  const { id: idKey, orgId: orgKey } = options;

  const placeOf = (orgId: unknown, id: unknown, column: PgColumn): FieldPlace => {
    if (typeof orgId !== "string" || (typeof id !== "string" && typeof id !== "number"))
      throw new TypeError(`${name}: a sealed row needs its ${orgKey} and ${idKey} (set the id before inserting)`);
    return { orgId, table: name, column: column.name, rowId: String(id) };
  };

  const hasSealedValue = (values: Record<string, unknown>) => sealedColumns.some(({ key }) => values[key] !== undefined && values[key] !== null);

  /** Seals with `key`, which must be the active data key of the row's organisation. */
  const sealValuesWith = (key: DataKey, orgId: unknown, id: unknown, values: Record<string, unknown>) => {
    const out: Record<string, unknown> = { ...values };
    for (const { key: prop, column } of sealedColumns) {
      const value = values[prop];
      if (value === undefined || value === null) continue;
      const place = placeOf(orgId, id, column);
      if (key.orgId !== place.orgId) throw new TypeError(`${name}: the data key is not of the row's organisation`);
      out[prop] = sealWithKey(key, place, encode(value));
    }
    return out;
  };

  const sealValues = async (tx: Transaction, orgId: unknown, id: unknown, values: Record<string, unknown>) => {
    if (!hasSealedValue(values)) return { ...values };
    placeOf(orgId, id, sealedColumns[0]!.column);
    return sealValuesWith(await activeDataKey(tx, orgId as string), orgId, id, values);
  };

  const openAll = async (tx: Transaction, rows: Row<T>[]) => {
    const keys = new Map<string, DataKey>();
    const out: Record<string, unknown>[] = [];
    for (const row of rows as Record<string, unknown>[]) {
      const opened: Record<string, unknown> = { ...row };
      for (const { key: prop, column } of sealedColumns) {
        const value = row[prop];
        if (value === undefined || value === null) continue;
        const place = placeOf(row[orgKey], row[idKey], column);
        const bytes = value as Uint8Array;
        const version = sealedKeyVersion(bytes);
        const cacheKey = `${place.orgId}/${version}`;
        let key = keys.get(cacheKey);
        if (!key) keys.set(cacheKey, (key = await dataKeyVersion(tx, place.orgId, version)));
        opened[prop] = decode(openWithKey(key, place, bytes));
      }
      out.push(opened);
    }
    return out as Opened<Row<T>>[];
  };

  return {
    table,
    name,
    idKey,
    orgKey,
    sealedColumns,
    exportMode: options.exportMode ?? "full",
    seal: async (tx, values) => {
      const v = values as Record<string, unknown>;
      return (await sealValues(tx, v[orgKey], v[idKey], v)) as NewRow<T>;
    },
    sealWith: (key, values) => {
      const v = values as Record<string, unknown>;
      return sealValuesWith(key, v[orgKey], v[idKey], v) as NewRow<T>;
    },
    sealPatch: async (tx, at, patch) => (await sealValues(tx, at.orgId, at.id, patch as Record<string, unknown>)) as Partial<NewRow<T>>,
    open: async (tx, row) => (await openAll(tx, [row]))[0]!,
    openAll,
  };
}
