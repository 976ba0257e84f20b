import { afterEach, describe, expect, it, vi } from "vitest";
import { signSessionToken, verifySessionToken } from "./session-token";

const secret = "session-token-test-secret-0123456789abcdef";
const claims = { sub: "6f1c2f0e-3b7a-4d55-9f43-1f1e0f8a2b11", sid: "0b7e6c1a-5d2e-4f4b-8a8e-2b9c3d4e5f60" };

afterEach(() => vi.useRealTimers());

describe("session tokens", () => {
  it("round-trips the person and session ids with an expiry", async () => {
    const token = await signSessionToken(claims, secret, 3600);
    const verified = await verifySessionToken(token, secret);
    expect(verified).toMatchObject(claims);
    expect(verified!.exp).toBeGreaterThan(Date.now() / 1000 + 3500);
    expect(verified!.exp).toBeLessThanOrEqual(Date.now() / 1000 + 3600);
  });

  it("refuses a tampered token: changed claims or changed signature", async () => {
    const token = await signSessionToken(claims, secret, 3600);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), sub: "someone-else" })).toString("base64url");
    expect(await verifySessionToken(`${header}.${forged}.${signature}`, secret)).toBeNull();
    const flipped = signature.slice(0, -2) + (signature.at(-2) === "A" ? "B" : "A") + signature.at(-1);
    expect(await verifySessionToken(`${header}.${payload}.${flipped}`, secret)).toBeNull();
  });

  it("refuses a token signed with another secret", async () => {
    const token = await signSessionToken(claims, "another-secret-entirely-0123456789abcdef", 3600);
    expect(await verifySessionToken(token, secret)).toBeNull();
  });

  it("refuses an unsigned (alg none) token", async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const none = `${b64({ alg: "none", typ: "JWT" })}.${b64({ ...claims, iss: "rampart", exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
    expect(await verifySessionToken(none, secret)).toBeNull();
  });

  it("refuses an expired token", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
    const token = await signSessionToken(claims, secret, 60);
    expect(await verifySessionToken(token, secret)).not.toBeNull();
    vi.setSystemTime(new Date("2026-01-01T00:01:01Z"));
    expect(await verifySessionToken(token, secret)).toBeNull();
  });

  it("answers null, never throws, on garbage", async () => {
    for (const garbage of [undefined, "", "garbage", "a.b.c", "x".repeat(5000), "eyJhbGciOiJIUzI1NiJ9..."]) {
      await expect(verifySessionToken(garbage, secret)).resolves.toBeNull();
    }
  });
});
