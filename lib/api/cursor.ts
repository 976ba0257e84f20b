import { HttpError } from "@/lib/http/route";
import { decodeTimeIdCursor, decodeTwoListsCursor, type TimeIdKey, type TwoListsAt } from "@/lib/pagination/keyset";

/**
 * A keyset list's cursor (the previous page's nextCursor): the page after that row. Clients pass it back and never
 * build one; anything that is not one is a 400, never a query.
 */
export function decodeNextCursor(cursor: string | undefined): { after: TimeIdKey } | null {
  if (!cursor) return null;
  const after = decodeTimeIdCursor(cursor);
  if (!after) throw new HttpError(400, "Unknown cursor");
  return { after };
}

/** The cursor of a walk through two lists (lib/pagination/keyset twoListsPage); none is the start, anything unknown a 400. */
export function decodeTwoListsNextCursor(cursor: string | undefined): TwoListsAt {
  const at = decodeTwoListsCursor(cursor);
  if (!at) throw new HttpError(400, "Unknown cursor");
  return at;
}
