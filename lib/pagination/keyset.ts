import { sql, type AnyColumn, type SQL } from "drizzle-orm";
import { isUuid } from "@/lib/validation/ids";

/**
 * Keyset pages over (time, id), newest first: a cursor names the row a page ended on, and the next page reads the rows
 * strictly past it through the (…, created_at, id) index, never OFFSET. PostgreSQL keeps microseconds, which a JS Date
 * loses, so the key is read as whole microseconds since the epoch (`keysetMicros`) and compared back exactly.
 * The cursor is opaque (base64url) and validated here: a malformed one decodes to null, never into SQL. It carries
 * no authority: the page that reads it filters by the reader's own campaign and visibility as always, so a cursor
 * from elsewhere only chooses a position among the reader's own rows.
 */
export type TimeIdKey = { micros: string; id: string };

/** Select this alongside the row to build its cursor. */
export const keysetMicros = (time: AnyColumn): SQL<string> => sql<string>`(extract(epoch from ${time}) * 1000000)::bigint::text`;

const keyPattern = /^(-?\d{1,17})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodeTimeIdCursor(key: TimeIdKey): string {
  return Buffer.from(`${key.micros}.${key.id}`).toString("base64url");
}

/** The key of a cursor, or null when it is not one (wrong alphabet, wrong shape, not a UUID). */
export function decodeTimeIdCursor(cursor: string | null | undefined): TimeIdKey | null {
  if (!cursor || cursor.length > 80 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const match = keyPattern.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match || !isUuid(match[2]!)) return null;
  return { micros: match[1]!, id: match[2]! };
}

/** Rows past the key: "<" for older (the next page of a newest-first list), ">" for newer. */
export function timeIdKeyset(time: AnyColumn, id: AnyColumn, key: TimeIdKey, op: "<" | ">"): SQL {
  const at = sql`(timestamptz 'epoch' + ${key.micros}::bigint * interval '1 microsecond')`;
  return sql`(${time}, ${id}) ${sql.raw(op)} (${at}, ${key.id}::uuid)`;
}

/** A page's place: the newest page (null), older than a row, newer than a row, or the oldest page. */
export type KeysetPosition = { after: TimeIdKey } | { before: TimeIdKey } | "last";

/** The position from a page's query parameters (`after`, `before`, `last`); a malformed cursor is the newest page. */
export function keysetPosition(params: { after?: string | null; before?: string | null; last?: string | null }): KeysetPosition | null {
  const after = decodeTimeIdCursor(params.after);
  if (after) return { after };
  const before = decodeTimeIdCursor(params.before);
  if (before) return { before };
  return params.last ? "last" : null;
}

/** The cursor parameters of a list whose page shows two of them: `after` for one, `drafts_after` for the other. */
export type KeysetParam = "after" | "before" | "last";
export const keysetParamNames = (prefix = ""): Record<KeysetParam, string> => ({ after: `${prefix}after`, before: `${prefix}before`, last: `${prefix}last` });

/** A page's position from its URL search parameters (strings only; arrays, as from a repeated parameter, are ignored). */
export function keysetPositionFrom(searchParams: Record<string, string | string[] | undefined>, prefix = ""): KeysetPosition | null {
  const names = keysetParamNames(prefix);
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);
  return keysetPosition({ after: one(searchParams[names.after]), before: one(searchParams[names.before]), last: one(searchParams[names.last]) });
}

export type KeysetPage<R> = {
  rows: R[];
  /** Cursor of the next page (older, in a newest-first list), or null on the last page. */
  nextCursor: string | null;
  /** Cursor of the previous page (newer), or null on the first page. */
  prevCursor: string | null;
};

/**
 * One page by keyset, newest first (or oldest first with direction "asc": a queue by due date). `fetch` runs the list's
 * own query with the extra condition, the order and the limit given (pageSize + 1, the extra row telling whether more
 * follow); the last page and "previous" read the same index backwards and are turned round. Every page reads at most
 * pageSize + 1 rows, wherever it is in the list. "Next" (`after`) is further down the list in either direction.
 */
export async function keysetPage<R extends { micros: string; id: string }>(
  columns: { time: AnyColumn; id: AnyColumn },
  position: KeysetPosition | null,
  pageSize: number,
  fetch: (keyset: SQL | undefined, order: SQL[], limit: number) => Promise<R[]>,
  direction: "desc" | "asc" = "desc",
): Promise<KeysetPage<R>> {
  const down = direction === "desc" ? ({ op: "<", order: "desc" } as const) : ({ op: ">", order: "asc" } as const);
  const up = direction === "desc" ? ({ op: ">", order: "asc" } as const) : ({ op: "<", order: "desc" } as const);
  const read = async (at: KeysetPosition | null) => {
    const backwards = at === "last" || (at !== null && "before" in at);
    const keyset = at === null || at === "last" ? undefined : "after" in at ? timeIdKeyset(columns.time, columns.id, at.after, down.op) : timeIdKeyset(columns.time, columns.id, at.before, up.op);
    const way = sql.raw(backwards ? up.order : down.order);
    const order = [sql`${columns.time} ${way}`, sql`${columns.id} ${way}`];
    const rows = await fetch(keyset, order, pageSize + 1);
    const more = rows.length > pageSize;
    const page = rows.slice(0, pageSize);
    if (backwards) page.reverse();
    return { page, more };
  };
  let at = position;
  let { page, more } = await read(at);
  // "Previous" near the top: less than a page remains above, so the newest page is shown whole.
  if (at !== null && at !== "last" && "before" in at && !more) {
    at = null;
    ({ page, more } = await read(null));
  }
  const newer = at === null ? false : at === "last" ? more : true;
  const older = at === "last" ? false : at !== null && "before" in at ? true : more;
  const cursorOf = (r: R | undefined) => (r ? encodeTimeIdCursor({ micros: r.micros, id: r.id }) : null);
  return { rows: page, nextCursor: older ? cursorOf(page.at(-1)) : null, prevCursor: newer ? cursorOf(page[0]) : null };
}

/** The page without its rows' `micros` (a cursor's key, nothing to show or send). */
export function withoutKeys<R extends { micros: string }>(page: KeysetPage<R>): KeysetPage<Omit<R, "micros">> {
  return { ...page, rows: page.rows.map(({ micros, ...row }) => (void micros, row)) };
}

/**
 * Where a forward walk through two lists shown one after the other is (an API's nextCursor over, say, a person's
 * drafts and then their completed reports): in the first list after a row, or in the second from its top or after a
 * row. The cursor reads "1.<row>", "2." or "2.<row>"; none is the first list's top; anything else is null.
 */
export type TwoListsAt = { list: 1 | 2; after: TimeIdKey | null };

export function decodeTwoListsCursor(cursor: string | null | undefined): TwoListsAt | null {
  if (!cursor) return { list: 1, after: null };
  if (cursor === "2.") return { list: 2, after: null };
  const match = /^([12])\.([A-Za-z0-9_-]+)$/.exec(cursor);
  const after = match ? decodeTimeIdCursor(match[2]) : null;
  return after ? { list: match![1] === "1" ? 1 : 2, after } : null;
}

/** One page of that walk: the first list's page, and when it ends the first list, as much of the second as fits. */
export async function twoListsPage<R>(
  at: TwoListsAt,
  pageSize: number,
  read: (list: 1 | 2, position: KeysetPosition | null, pageSize: number) => Promise<KeysetPage<R>>,
): Promise<{ rows: R[]; nextCursor: string | null }> {
  const position = at.after ? { after: at.after } : null;
  const second = async (pos: KeysetPosition | null, size: number, before: R[]) => {
    const page = await read(2, pos, size);
    return { rows: [...before, ...page.rows], nextCursor: page.nextCursor && `2.${page.nextCursor}` };
  };
  if (at.list === 2) return second(position, pageSize, []);
  const first = await read(1, position, pageSize);
  if (first.nextCursor) return { rows: first.rows, nextCursor: `1.${first.nextCursor}` };
  const room = pageSize - first.rows.length;
  return room > 0 ? second(null, room, first.rows) : { rows: first.rows, nextCursor: "2." };
}
