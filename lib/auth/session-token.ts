import { jwtVerify, SignJWT } from "jose";

/**
 * Claims of the session cookie: the person, the session row, and (for middleware's quick 404) the slugs of
 * their campaigns with roles. Only a hint: the guard reads memberships from the database every time.
 * `orgs` is absent when a person has too many campaigns to list; middleware then defers to the guard.
 */
export type SessionClaims = { sub: string; sid: string; orgs?: Record<string, string>; staff?: boolean };

export const MAX_ORGS_IN_TOKEN = 100;
const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

/**
 * A key for this purpose only, hashed from the session secret and imported once per secret as a non-extractable
 * HMAC-SHA-256 key (Web Crypto: works on the Edge runtime), so no request pays for the hash or the import again.
 */
function signingKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle
      .digest("SHA-256", encoder.encode(`rampart-session-token:${secret}`))
      .then((raw) => crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
    keys.set(secret, key);
    key.catch(() => keys.delete(secret));
  }
  return key;
}

export async function signSessionToken(claims: SessionClaims, secret: string, maxAgeSeconds: number): Promise<string> {
  const payload: Record<string, unknown> = { sid: claims.sid };
  if (claims.orgs && Object.keys(claims.orgs).length <= MAX_ORGS_IN_TOKEN) payload.orgs = claims.orgs;
  if (claims.staff) payload.staff = true;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + maxAgeSeconds)
    .setIssuer("rampart")
    .sign(await signingKey(secret));
}

/** The claims of a valid, unexpired token, or null: never throws on bad input. */
export async function verifySessionToken(token: string | undefined, secret: string): Promise<(SessionClaims & { exp: number }) | null> {
  if (!token || token.length > 8192 || !secret) return null;
  try {
    const { payload } = await jwtVerify(token, await signingKey(secret), { algorithms: ["HS256"], issuer: "rampart" });
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string" || typeof payload.exp !== "number") return null;
    const orgs = payload.orgs && typeof payload.orgs === "object" ? (payload.orgs as Record<string, string>) : undefined;
    return { sub: payload.sub, sid: payload.sid, exp: payload.exp, orgs, staff: payload.staff === true };
  } catch {
    return null;
  }
}
