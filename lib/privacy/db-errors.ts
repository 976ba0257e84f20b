/** The SQLSTATE (and DETAIL) of a database error, whichever driver raised it and however drizzle wrapped it. */
export function databaseErrorOf(err: unknown): { code: string; detail?: string } | null {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e && typeof e === "object" && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const { code, detail } = e as { code?: unknown; detail?: unknown };
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return { code, detail: typeof detail === "string" ? detail : undefined };
  }
  return null;
}
