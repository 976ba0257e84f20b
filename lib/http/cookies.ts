/** Cookie names: `__Host-` (Secure, Path=/, no Domain) whenever the app is served over https. */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-rampart-${base}` : `rampart-${base}`;
}

export type CookieSpec = { name: string; value: string; maxAgeSeconds: number; httpOnly: boolean; secure: boolean };

export function serializeCookie(c: CookieSpec): string {
  const parts = [`${c.name}=${c.value}`, "Path=/", `Max-Age=${c.maxAgeSeconds}`, "SameSite=Lax"];
  if (c.httpOnly) parts.push("HttpOnly");
  if (c.secure) parts.push("Secure");
  return parts.join("; ");
}

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}
