import { HttpError } from "@/lib/http/route";

/** Opaque cursors over page-numbered lists: clients pass back nextCursor and never build one. */
export function encodePageCursor(page: number): string {
  return Buffer.from(`p:${page}`).toString("base64url");
}

export function decodePageCursor(cursor: string | undefined): number {
  if (!cursor) return 1;
  const match = /^p:(\d{1,7})$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match || Number(match[1]) < 1) throw new HttpError(400, "Unknown cursor");
  return Number(match[1]);
}
