import { createHash, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { deviceCookieHeader, deviceCookieName, signDeviceToken, verifyDeviceToken } from "./device-cookie";
import { signSessionToken } from "./session-token";

const secret = "a-session-secret-of-enough-length-for-tests-0123456789";
const acct = (id: string, deviceEpoch = 0) => ({ id, deviceEpoch });

describe("device cookie", () => {
  it("accepts a token it signed for the same account, unexpired, and names the device", async () => {
    const userId = randomUUID();
    const token = await signDeviceToken(userId, secret);
    const device = await verifyDeviceToken(token, secret, acct(userId));
    expect(device).toMatchObject({ userId });
    expect(device!.deviceId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await verifyDeviceToken(await signDeviceToken(userId, secret), secret, acct(userId)))!.deviceId).not.toBe(device!.deviceId);
  });

  it("refuses another account's token, an expired one, a forged one and a session token", async () => {
    const userId = randomUUID();
    expect(await verifyDeviceToken(await signDeviceToken(randomUUID(), secret), secret, acct(userId))).toBeNull();
    expect(await verifyDeviceToken(await signDeviceToken(userId, secret, { maxAgeSeconds: -10 }), secret, acct(userId))).toBeNull();
    expect(await verifyDeviceToken(await signDeviceToken(userId, "another-secret-of-enough-length-0123456789abcdef"), secret, acct(userId))).toBeNull();
    const token = await signDeviceToken(userId, secret);
    const [h, p] = token.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString()) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...claims, sub: randomUUID() })).toString("base64url");
    expect(await verifyDeviceToken(`${h}.${edited}.${token.split(".")[2]}`, secret, acct(claims.sub as string))).toBeNull();
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${p}.`;
    expect(await verifyDeviceToken(unsigned, secret, acct(userId))).toBeNull();
    expect(await verifyDeviceToken(await signSessionToken({ sub: userId, sid: randomUUID() }, secret, 3600), secret, acct(userId))).toBeNull();
    // Signed with the right key but not as a device token (no audience): refused too.
    const key = new Uint8Array(createHash("sha256").update(`rampart-device-cookie:${secret}`).digest());
    const noAudience = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setJti(randomUUID()).setIssuer("rampart").setExpirationTime("1h").sign(key);
    expect(await verifyDeviceToken(noAudience, secret, acct(userId))).toBeNull();
    expect(await verifyDeviceToken("", secret, acct(userId))).toBeNull();
    expect(await verifyDeviceToken("x".repeat(5000), secret, acct(userId))).toBeNull();
    expect(await verifyDeviceToken(token, secret, undefined)).toBeNull();
  });

  it("counts only a token of the account's current device epoch (a password change or reset raises it)", async () => {
    const userId = randomUUID();
    const old = await signDeviceToken(userId, secret); // before any change: epoch 0
    const now = await signDeviceToken(userId, secret, { epoch: 2 });
    expect(await verifyDeviceToken(old, secret, acct(userId, 0))).toMatchObject({ userId, epoch: 0 });
    expect(await verifyDeviceToken(old, secret, acct(userId, 1))).toBeNull();
    expect(await verifyDeviceToken(now, secret, acct(userId, 2))).toMatchObject({ userId, epoch: 2 });
    for (const epoch of [0, 1, 3]) expect(await verifyDeviceToken(now, secret, acct(userId, epoch))).toBeNull();
    // A validly signed token whose epoch claim is not a positive whole number counts for nothing.
    const key = new Uint8Array(createHash("sha256").update(`rampart-device-cookie:${secret}`).digest());
    for (const ep of [-1, 0, 1.5, "2", null]) {
      const odd = await new SignJWT({ ep }).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setJti(randomUUID()).setIssuer("rampart").setAudience("rampart-device").setExpirationTime("1h").sign(key);
      for (const epoch of [0, 1, 2]) expect(await verifyDeviceToken(odd, secret, acct(userId, epoch))).toBeNull();
    }
    await expect(signDeviceToken(userId, secret, { epoch: -1 })).rejects.toThrow(TypeError);
  });

  it("is HttpOnly, and __Host- prefixed (Secure, Path=/, no Domain) over https", () => {
    const header = deviceCookieHeader("tok", true);
    expect(header).toMatch(/^__Host-rampart-device=tok; Path=\//);
    expect(header).toContain("HttpOnly");
    expect(header).toContain("Secure");
    expect(header).not.toMatch(/Domain=/i);
    expect(deviceCookieName(false)).toBe("rampart-device");
  });
});
