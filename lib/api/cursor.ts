import { HttpError } from "@/lib/http/route";
import { decodeTimeIdCursor, type TimeIdKey } from "@/lib/pagination/keyset";

/** Opaque cursors over page-numbered lists (small ones: reports): clients pass back nextCursor and never build one. */
export function encodePageCursor(page: number): string {
  return Buffer.from(`p:${page}`).toString("base64url");
}

export function decodePageCursor(cursor: string | undefined): number {
  if (!cursor) return 1;
  const match = /^p:(\d{1,7})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match || Number(match[1]) < 1) throw new HttpError(400, "Unknown cursor");
  return Number(match[1]);
}

/** The contacts list's keyset cursor (the previous page's nextCursor): older than that row; anything else is a 400. */
export function decodeContactsCursor(cursor: string | undefined): { after: TimeIdKey } | null {
  if (!cursor) return null;
  const after = decodeTimeIdCursor(cursor);
  if (!after) throw new HttpError(400, "Unknown cursor");
  return { after };
}
