import { createHash, randomUUID } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { cookieName, serializeCookie } from "@/lib/http/cookies";
import { isUuid } from "@/lib/validation/ids";

/**
 * OWASP's device cookie: after a successful sign-in the browser gets a signed token naming the account and this device.
 * Presented with that account's email, it lets the device past the per-account lockout and ahead of the verification
 * queue, so a flood of guesses at someone's account never locks them out of their own browser. It proves only that this
 * browser signed in to that account before: the password is still checked, and each device is limited on its own.
 */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 90 * 24 * 3600;
const AUDIENCE = "rampart-device";
const ISSUER = "rampart";

export function deviceCookieName(secure: boolean): string {
  return cookieName("device", secure);
}

const keys = new Map<string, Uint8Array>();
/** A key for this purpose only, derived from the session secret (a session token can never pass for a device token). */
function deviceKey(secret: string): Uint8Array {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = new Uint8Array(createHash("sha256").update(`rampart-device-cookie:${secret}`).digest())));
  return key;
}

export type DeviceClaims = { userId: string; deviceId: string };

export async function signDeviceToken(userId: string, secret: string, maxAgeSeconds = DEVICE_COOKIE_MAX_AGE_SECONDS): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setJti(randomUUID())
    .setAudience(AUDIENCE)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + maxAgeSeconds)
    .sign(deviceKey(secret));
}

/** The device and its account, when the token is validly signed and unexpired; otherwise null (never throws). */
export async function readDeviceToken(token: string | null | undefined, secret: string): Promise<DeviceClaims | null> {
  if (!token || token.length > 2048 || !secret) return null;
  try {
    const { payload } = await jwtVerify(token, deviceKey(secret), { algorithms: ["HS256"], audience: AUDIENCE, issuer: ISSUER, requiredClaims: ["exp", "jti", "sub"] });
    if (typeof payload.sub !== "string" || !isUuid(payload.sub) || typeof payload.jti !== "string" || !isUuid(payload.jti)) return null;
    return { userId: payload.sub, deviceId: payload.jti };
  } catch {
    return null;
  }
}

/** The device, when the token is validly signed, unexpired and issued for `userId`; otherwise null (never throws). */
export async function verifyDeviceToken(token: string | null | undefined, secret: string, userId: string | undefined): Promise<DeviceClaims | null> {
  const device = userId ? await readDeviceToken(token, secret) : null;
  return device && device.userId === userId ? device : null;
}

/** The Set-Cookie header for a device token: HttpOnly, and `__Host-` whenever the app is served over https. */
export function deviceCookieHeader(token: string, secure: boolean): string {
  return serializeCookie({ name: deviceCookieName(secure), value: token, maxAgeSeconds: DEVICE_COOKIE_MAX_AGE_SECONDS, httpOnly: true, secure });
}
