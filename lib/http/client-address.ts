/**
 * The client's address as the Next server saw it: the last X-Forwarded-For hop is the one Next appended
 * from the socket; earlier hops are whatever the client claimed and are not trusted.
 */
export function clientAddress(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-for");
  if (!forwarded) return null;
  const hops = forwarded.split(",").map((h) => h.trim()).filter(Boolean);
  return hops.at(-1) ?? null;
}
