import { createHash, randomUUID } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { cookieName, serializeCookie } from "@/lib/http/cookies";
import { isUuid } from "@/lib/validation/ids";

/**
 * OWASP's device cookie: after a successful sign-in the browser gets a signed token naming the account and this device.
 * Presented with that account's email, it lets the device past the per-account lockout and ahead of the verification
 * queue, so a flood of guesses at someone's account never locks them out of their own browser. It proves only that this
 * browser signed in to that account before: the password is still checked, and each device is limited on its own.
 * The token also carries the keyed hash of the account's email (lib/auth/email.ts hashEmail), so that the sign-in can
 * put the attempt in the device lane before it looks the account up; a token without it (or for an email the account
 * no longer has) still gets past the lockout, but waits in the ordinary lane.
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

/** `emailHash`: the keyed hash of the account's email when the token was issued, or null in a token without one. */
export type DeviceClaims = { userId: string; deviceId: string; emailHash: string | null };

/** A device token for `userId`; `emailHash` (hashEmail of the account's email) lets it choose the device lane unlooked-up. */
export async function signDeviceToken(userId: string, secret: string, options: { emailHash?: string; maxAgeSeconds?: number } = {}): Promise<string> {
  const { emailHash, maxAgeSeconds = DEVICE_COOKIE_MAX_AGE_SECONDS } = options;
  return new SignJWT(emailHash ? { eh: emailHash } : {})
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
    const emailHash = typeof payload.eh === "string" && /^[A-Za-z0-9_-]{16,64}$/.test(payload.eh) ? payload.eh : null;
    return { userId: payload.sub, deviceId: payload.jti, emailHash };
  } catch {
    return null;
  }
}

/** Whether a device token read without any lookup was issued for the submitted email: the sign-in's device lane. */
export function deviceMatchesEmail(device: DeviceClaims | null, emailHash: string): boolean {
  return device?.emailHash != null && device.emailHash === emailHash;
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
