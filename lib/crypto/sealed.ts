import "server-only";
import { isUtf8 } from "node:buffer";
import { and, eq, getTableColumns, getTableName } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { isSealedColumn, type Sealed } from "@/db/schema/crypto";
import { asBuffer } from "@/lib/bytes";
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

/**
 * Properties of a row sealed together as ONE value in the column `into` (a JSON object of the members that hold a
 * value): a page then opens one message per row instead of one per property. The members' own sealed columns hold
 * values written before the group existed (the per-column form); they are read as they are until the pack job
 * (lib/crypto/pack.ts) moves them into the group, and every write of a member moves the whole row there. The database
 * keeps the two forms apart (a row holds one or the other: migration 0028).
 */
export type SealedGroup = { into: string; members: readonly string[] };

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
  /** Sealed properties kept together as one value (one OpenPGP message per row), and the earlier per-column form still read. */
  group: SealedGroup | null;
  exportMode: ExportMode;
  /** Encrypts the sealed properties of a new row (its id must already be set). */
  seal(tx: Transaction, values: Opened<NewRow<T>>): Promise<NewRow<T>>;
  /**
   * The same with a data key the caller already holds (its organisation's active key, read in the transaction that
   * writes the row, or checked there to be still active: see lib/imports/write.ts). Synchronous, for batches.
   */
  sealWith(key: DataKey, values: Opened<NewRow<T>>): NewRow<T>;
  /**
   * Encrypts the sealed properties of an update to the row `at`. A patch of group members reads the row's group (and
   * any per-column members) to write the whole group back; the caller should hold the row locked (FOR UPDATE).
   */
  sealPatch(tx: Transaction, at: { orgId: string; id: string }, patch: Partial<Opened<NewRow<T>>>): Promise<Partial<NewRow<T>>>;
  /**
   * The update that moves a row's per-column group members into the group, sealed with `key` (the active data key);
   * null when the row holds none. The row must have been read with every sealed column.
   */
  packRow(tx: Transaction, key: DataKey, row: Row<T>): Promise<Partial<NewRow<T>> | null>;
  /**
   * Decrypts the sealed properties of rows read from the table (their id and organisation columns must be selected).
   * A row that selects members of the group must select the group's column too; it comes back with those members
   * opened (from whichever form holds them) and without the group's column.
   */
  open(tx: Transaction, row: Row<T>): Promise<Opened<Row<T>>>;
  openAll(tx: Transaction, rows: Row<T>[]): Promise<Opened<Row<T>>[]>;
};

function encode(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError("a sealed value must be JSON-serialisable");
  return json;
}

function decode(bytes: Uint8Array): unknown {
  // Checked as UTF-8 natively, then read by Buffer: cheaper per value than a fatal TextDecoder.
  const buffer = asBuffer(bytes);
  if (!isUtf8(buffer)) throw new CiphertextFormatError("the sealed value is not JSON");
  try {
    return JSON.parse(buffer.toString("utf8"));
  } catch {
    throw new CiphertextFormatError("the sealed value is not JSON");
  }
}

/**
 * Describes a table whose sealed() columns are encrypted field by field. Callers read and write plain
 * values through it; the place of each value is (organisation, table, column, row id). Register the
 * result in lib/crypto/sealed-tables.ts so key rotation and the export reach it.
 */
export function sealedTable<T extends PgTable>(
  table: T,
  options: { id: KeyOf<T>; orgId: KeyOf<T>; exportMode?: ExportMode; group?: { into: KeyOf<T>; members: readonly KeyOf<T>[] } },
): SealedTable<T> {
  const name = getTableName(table);
  const all = getTableColumns(table) as Record<string, PgColumn>;
  const sealedColumns = Object.entries(all)
    .filter(([, column]) => isSealedColumn(column))
    .map(([key, column]) => ({ key, column }));
  if (sealedColumns.length === 0) throw new Error(`${name} has no sealed() column`);
  const { id: idKey, orgId: orgKey } = options;
  const group = options.group ?? null;
  const groupColumn = group ? sealedColumns.find((c) => c.key === group.into) : undefined;
  if (group && (!groupColumn || group.members.length === 0 || group.members.some((m) => m === group.into || !sealedColumns.some((c) => c.key === m))))
    throw new Error(`${name}: a sealed group is a sealed column and other sealed columns`);
  const members: readonly string[] = group?.members ?? [];
  const memberSet = new Set(members);
  const isMember = (key: string) => memberSet.has(key);

  const placeOf = (orgId: unknown, id: unknown, column: PgColumn): FieldPlace => {
    if (typeof orgId !== "string" || (typeof id !== "string" && typeof id !== "number"))
      throw new TypeError(`${name}: a sealed row needs its ${orgKey} and ${idKey} (set the id before inserting)`);
    return { orgId, table: name, column: column.name, rowId: String(id) };
  };

  const hasSealedValue = (values: Record<string, unknown>) => sealedColumns.some(({ key }) => values[key] !== undefined && values[key] !== null);

  /** Seals one value at its place with `key`, which must be the active data key of the row's organisation. */
  const sealOne = (key: DataKey, orgId: unknown, id: unknown, column: PgColumn, value: unknown) => {
    const place = placeOf(orgId, id, column);
    if (key.orgId !== place.orgId) throw new TypeError(`${name}: the data key is not of the row's organisation`);
    return sealWithKey(key, place, encode(value));
  };

  /** The group's value: the members holding a value, by property name. */
  const groupValue = (values: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const m of members) if (values[m] !== undefined && values[m] !== null) out[m] = values[m];
    return out;
  };

  /**
   * Seals with `key`. Members of the group go into it (`whole`: the values carry every member, as a new row or a
   * merged patch does; a member left out is empty) and their own columns are cleared.
   */
  const sealValuesWith = (key: DataKey, orgId: unknown, id: unknown, values: Record<string, unknown>, whole: boolean) => {
    if (group && !whole && (touchesGroup(values) || group.into in values)) throw new TypeError(`${name}: group members are sealed with their whole group`);
    const out: Record<string, unknown> = { ...values };
    for (const { key: prop, column } of sealedColumns) {
      if (isMember(prop) || prop === group?.into) continue;
      const value = values[prop];
      if (value === undefined || value === null) continue;
      out[prop] = sealOne(key, orgId, id, column, value);
    }
    if (group && whole) {
      out[group.into] = sealOne(key, orgId, id, groupColumn!.column, groupValue(values));
      for (const m of members) out[m] = null;
    }
    return out;
  };

  const touchesGroup = (values: Record<string, unknown>) => members.some((m) => m in values);

  const sealValues = async (tx: Transaction, orgId: unknown, id: unknown, values: Record<string, unknown>, whole: boolean) => {
    if (!hasSealedValue(values) && !(whole && group)) return { ...values };
    placeOf(orgId, id, sealedColumns[0]!.column);
    return sealValuesWith(await activeDataKey(tx, orgId as string), orgId, id, values, whole);
  };

  /** The row's group members as they are now (from either form), for a patch to merge into. */
  const currentMembers = async (tx: Transaction, orgId: string, id: string) => {
    const all = getTableColumns(table) as Record<string, PgColumn>;
    const columns: Record<string, PgColumn> = { [idKey]: all[idKey]!, [orgKey]: all[orgKey]!, [group!.into]: all[group!.into]! };
    for (const m of members) columns[m] = all[m]!;
    const [row] = (await tx
      .select(columns)
      .from(table as PgTable)
      .where(and(eq(all[orgKey]!, orgId), eq(all[idKey]!, id)))) as Record<string, unknown>[];
    if (!row) throw new TypeError(`${name}: the row to patch is not there`);
    return (await openAll(tx, [row as Row<T>]))[0] as Record<string, unknown>;
  };

  const openAll = async (tx: Transaction, rows: Row<T>[]) => {
    // The keys first (one lookup per campaign and key version), then every value opened without waiting again.
    const keys = new Map<string, DataKey>();
    for (const row of rows as Record<string, unknown>[])
      for (const { key: prop } of sealedColumns) {
        const value = row[prop];
        if (value === undefined || value === null) continue;
        const orgId = row[orgKey];
        const version = sealedKeyVersion(value as Uint8Array);
        const cacheKey = `${String(orgId)}/${version}`;
        if (!keys.has(cacheKey) && typeof orgId === "string") keys.set(cacheKey, await dataKeyVersion(tx, orgId, version));
      }
    const out: Record<string, unknown>[] = [];
    for (const row of rows as Record<string, unknown>[]) {
      const opened: Record<string, unknown> = {};
      for (const prop in row) if (prop !== group?.into) opened[prop] = row[prop];
      for (const { key: prop, column } of sealedColumns) {
        const value = row[prop];
        if (value === undefined || value === null) continue;
        const place = placeOf(row[orgKey], row[idKey], column);
        const bytes = value as Uint8Array;
        const packed = decode(openWithKey(keys.get(`${place.orgId}/${sealedKeyVersion(bytes)}`)!, place, bytes));
        if (prop !== group?.into) {
          opened[prop] = packed;
          continue;
        }
        if (typeof packed !== "object" || packed === null || Array.isArray(packed)) throw new CiphertextFormatError(`${name}.${group.into} is not a group of values`);
        for (const m of members) {
          if (!(m in row)) continue;
          if (row[m] !== null) throw new CiphertextFormatError(`${name}: a row holds ${m} in both forms`);
          opened[m] = (packed as Record<string, unknown>)[m] ?? null;
        }
      }
      if (group && !(group.into in row) && members.some((m) => m in row)) throw new TypeError(`${name}: select ${group.into} with the members of its group`);
      out.push(opened);
    }
    return out as Opened<Row<T>>[];
  };

  const packRow = async (tx: Transaction, key: DataKey, row: Row<T>) => {
    const r = row as Record<string, unknown>;
    if (!group || !members.some((m) => r[m] !== null && r[m] !== undefined)) return null;
    if (!(group.into in r) || members.some((m) => !(m in r))) throw new TypeError(`${name}: packing needs the row's group and every member`);
    const [opened] = (await openAll(tx, [row])) as Record<string, unknown>[];
    const values: Record<string, unknown> = {};
    for (const m of members) values[m] = opened![m];
    const sealedValues = sealValuesWith(key, r[orgKey], r[idKey], values, true);
    return sealedValues as Partial<NewRow<T>>;
  };

  return {
    table,
    name,
    idKey,
    orgKey,
    sealedColumns,
    group,
    exportMode: options.exportMode ?? "full",
    seal: async (tx, values) => {
      const v = values as Record<string, unknown>;
      return (await sealValues(tx, v[orgKey], v[idKey], v, true)) as NewRow<T>;
    },
    sealWith: (key, values) => {
      const v = values as Record<string, unknown>;
      return sealValuesWith(key, v[orgKey], v[idKey], v, true) as NewRow<T>;
    },
    sealPatch: async (tx, at, patch) => {
      const p = patch as Record<string, unknown>;
      if (!group || !touchesGroup(p)) return (await sealValues(tx, at.orgId, at.id, p, false)) as Partial<NewRow<T>>;
      const now = await currentMembers(tx, at.orgId, at.id);
      const merged: Record<string, unknown> = { ...p };
      for (const m of members) if (!(m in p)) merged[m] = now[m];
      return (await sealValues(tx, at.orgId, at.id, merged, true)) as Partial<NewRow<T>>;
    },
    packRow,
    open: async (tx, row) => (await openAll(tx, [row]))[0]!,
    openAll,
  };
}
