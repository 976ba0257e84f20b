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

/**
 * `emailHash`: the keyed hash of the account's email when the token was issued, or null in a token without one.
 * `epoch`: the account's device epoch when it was issued (0 in tokens from before epochs): a password change or reset
 * raises the account's, so the devices recognised before it (a thief's among them) are recognised no more.
 */
export type DeviceClaims = { userId: string; deviceId: string; emailHash: string | null; epoch: number };

/** A device token for `userId`; `emailHash` (hashEmail of the account's email) lets it choose the device lane unlooked-up. */
export async function signDeviceToken(userId: string, secret: string, options: { emailHash?: string; epoch?: number; maxAgeSeconds?: number } = {}): Promise<string> {
  const { emailHash, epoch = 0, maxAgeSeconds = DEVICE_COOKIE_MAX_AGE_SECONDS } = options;
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new TypeError("a device epoch is a whole number from 0");
  return new SignJWT({ ...(emailHash ? { eh: emailHash } : {}), ...(epoch > 0 ? { ep: epoch } : {}) })
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
    const epoch = payload.ep === undefined ? 0 : typeof payload.ep === "number" && Number.isSafeInteger(payload.ep) && payload.ep > 0 ? payload.ep : null;
    if (epoch === null) return null;
    return { userId: payload.sub, deviceId: payload.jti, emailHash, epoch };
  } catch {
    return null;
  }
}

/** Whether a device token read without any lookup was issued for the submitted email: the sign-in's device lane. */
export function deviceMatchesEmail(device: DeviceClaims | null, emailHash: string): boolean {
  return device?.emailHash != null && device.emailHash === emailHash;
}

/**
 * The device, when the token is validly signed, unexpired, issued for this account and since its last password change
 * or reset (the account's device epoch); otherwise null (never throws).
 */
export async function verifyDeviceToken(token: string | null | undefined, secret: string, account: { id: string; deviceEpoch: number } | undefined): Promise<DeviceClaims | null> {
  const device = account ? await readDeviceToken(token, secret) : null;
  return device && device.userId === account!.id && device.epoch === account!.deviceEpoch ? device : null;
}

/** The cookie options a server action sets a device token with (the same attributes as deviceCookieHeader). */
export function deviceCookieOptions(secure: boolean) {
  return { httpOnly: true, secure, sameSite: "lax" as const, path: "/", maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS };
}

/** The Set-Cookie header for a device token: HttpOnly, and `__Host-` whenever the app is served over https. */
export function deviceCookieHeader(token: string, secure: boolean): string {
  return serializeCookie({ name: deviceCookieName(secure), value: token, maxAgeSeconds: DEVICE_COOKIE_MAX_AGE_SECONDS, httpOnly: true, secure });
}
