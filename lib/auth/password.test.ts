import { describe, expect, it } from "vitest";
import { dummyPasswordHash, hashPassword, passwordHashOptions, verifyPassword } from "./password";

/** `$argon2id$v=19$m=65536,t=3,p=1$salt$hash` → its parts. */
function parseEncoded(hash: string) {
  const match = /^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(hash);
  if (!match) throw new Error(`not a PHC argon2 string: ${hash}`);
  const [, type, version, m, t, p, salt, digest] = match;
  return { type, version: Number(version), m: Number(m), t: Number(t), p: Number(p), salt: salt!, digest: digest! };
}

describe("password hashing", () => {
  it("writes argon2id at or above OWASP's minimum (m ≥ 19456 KiB, t ≥ 2, p = 1) into the hash string", async () => {
    const encoded = parseEncoded(await hashPassword("violet tugboat marmalade quarry"));
    expect(encoded.type).toBe("argon2id");
    expect(encoded.version).toBe(19);
    expect(encoded.m).toBeGreaterThanOrEqual(19456);
    expect(encoded.t).toBeGreaterThanOrEqual(2);
    expect(encoded.p).toBeGreaterThanOrEqual(1);
    // What the hash says is what the options say, so the README figure is the real one.
    expect([encoded.m, encoded.t, encoded.p]).toEqual([passwordHashOptions.memoryCost, passwordHashOptions.timeCost, passwordHashOptions.parallelism]);
  });

  it("salts every hash: the same password never hashes the same twice", async () => {
    const [a, b] = await Promise.all([hashPassword("same words twice over"), hashPassword("same words twice over")]);
    expect(a).not.toBe(b);
    expect(parseEncoded(a).salt).not.toBe(parseEncoded(b).salt);
  });

  it("verifies the right password and refuses a wrong one", async () => {
    const hash = await hashPassword("violet tugboat marmalade quarry");
    expect(await verifyPassword(hash, "violet tugboat marmalade quarry")).toBe(true);
    expect(await verifyPassword(hash, "violet tugboat marmalade quarrY")).toBe(false);
    expect(await verifyPassword(hash, "")).toBe(false);
  });

  it("answers false, never throws, for a malformed or foreign hash", async () => {
    for (const bad of ["", "not-a-hash", "$argon2id$v=19$m=65536,t=3,p=1$short$", "$2b$10$abcdefghijklmnopqrstuuJ0nS4pQ7f0kz1YdQf6v3Ue3y7C3rS2K"]) {
      await expect(verifyPassword(bad, "anything at all")).resolves.toBe(false);
    }
  });

  it("keeps one dummy hash with the same parameters for unknown accounts", async () => {
    const dummy = await dummyPasswordHash();
    expect(await dummyPasswordHash()).toBe(dummy);
    const encoded = parseEncoded(dummy);
    expect([encoded.type, encoded.m, encoded.t, encoded.p]).toEqual(["argon2id", passwordHashOptions.memoryCost, passwordHashOptions.timeCost, passwordHashOptions.parallelism]);
  });
});
