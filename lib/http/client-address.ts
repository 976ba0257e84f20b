/**
 * The client's address: `npm start` (scripts/serve.ts) replaces X-Forwarded-For with the one address it can
 * vouch for; on Vercel the platform sets the header. The last hop is read, never one a client could add.
 */
export function clientAddress(headers: Headers): string | null {
  return lastForwardedHop(headers.get("x-forwarded-for"));
}

/** The last hop of an X-Forwarded-For value, for callers that hold a plain header object (next-auth). */
export function lastForwardedHop(forwarded: string | null | undefined): string | null {
  return forwarded?.split(",").map((h) => h.trim()).filter(Boolean).at(-1) ?? null;
}
