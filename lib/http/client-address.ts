/**
 * The client's address: `npm start` (scripts/serve.ts) replaces X-Forwarded-For with the one address it can
 * vouch for; on Vercel the platform sets the header. The last hop is read, never one a client could add.
 */
export function clientAddress(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-for");
  if (!forwarded) return null;
  const hops = forwarded.split(",").map((h) => h.trim()).filter(Boolean);
  return hops.at(-1) ?? null;
}
