import { jwtVerify, SignJWT } from "jose";

/** Claims of the session cookie: the person and the session row. Everything else is read from the database. */
export type SessionClaims = { sub: string; sid: string };

const encoder = new TextEncoder();
const keys = new Map<string, Promise<Uint8Array>>();

/** A key for this purpose only, hashed from the session secret (Web Crypto: works on the Edge runtime). */
function signingKey(secret: string): Promise<Uint8Array> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.digest("SHA-256", encoder.encode(`rampart-session-token:${secret}`)).then((d) => new Uint8Array(d));
    keys.set(secret, key);
  }
  return key;
}

export async function signSessionToken(claims: SessionClaims, secret: string, maxAgeSeconds: number): Promise<string> {
  return new SignJWT({ sid: claims.sid })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + maxAgeSeconds)
    .setIssuer("rampart")
    .sign(await signingKey(secret));
}

/** The claims of a valid, unexpired token, or null: never throws on bad input. */
export async function verifySessionToken(token: string | undefined, secret: string): Promise<(SessionClaims & { exp: number }) | null> {
  if (!token || token.length > 4096) return null;
  try {
    const { payload } = await jwtVerify(token, await signingKey(secret), { algorithms: ["HS256"], issuer: "rampart" });
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string" || typeof payload.exp !== "number") return null;
    return { sub: payload.sub, sid: payload.sid, exp: payload.exp };
  } catch {
    return null;
  }
}
