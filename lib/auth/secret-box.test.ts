import { afterEach, describe, expect, it, vi } from "vitest";

const key = (fill: number) => Buffer.alloc(32, fill).toString("base64");
const original = process.env.RAMPART_MASTER_KEYS;

/** secret-box with RAMPART_MASTER_KEYS set to `keys`: configuration is read once per module graph, so load a fresh one. */
async function boxWith(keys: string) {
  process.env.RAMPART_MASTER_KEYS = keys;
  vi.resetModules();
  return import("./secret-box");
}

afterEach(() => {
  process.env.RAMPART_MASTER_KEYS = original;
  vi.resetModules();
});

describe("account secret box", () => {
  it("opens what it sealed, and the sealed form shows neither the secret nor a fixed pattern", async () => {
    const box = await boxWith(`old:${key(7)}`);
    const sealed = box.sealAccountSecret("JBSWY3DPEHPK3PXP", "totp:user-a");
    expect(sealed).not.toContain("JBSWY3DPEHPK3PXP");
    expect(sealed.startsWith("v1.old.")).toBe(true);
    expect(box.sealAccountSecret("JBSWY3DPEHPK3PXP", "totp:user-a")).not.toBe(sealed);
    expect(box.openAccountSecret(sealed, "totp:user-a")).toBe("JBSWY3DPEHPK3PXP");
  });

  it("refuses to open a sealed value in another context (moved to another account)", async () => {
    const box = await boxWith(`old:${key(7)}`);
    const sealed = box.sealAccountSecret("JBSWY3DPEHPK3PXP", "totp:user-a");
    expect(() => box.openAccountSecret(sealed, "totp:user-b")).toThrow();
  });

  it("refuses a tampered value: body, tag or iv", async () => {
    const box = await boxWith(`old:${key(7)}`);
    const sealed = box.sealAccountSecret("JBSWY3DPEHPK3PXP", "totp:user-a");
    const parts = sealed.split(".");
    const flip = (s: string) => {
      const bytes = Buffer.from(s, "base64url");
      bytes[0] = bytes[0]! ^ 1;
      return bytes.toString("base64url");
    };
    for (const i of [2, 3, 4]) {
      const tampered = parts.map((p, j) => (j === i ? flip(p) : p)).join(".");
      expect(() => box.openAccountSecret(tampered, "totp:user-a")).toThrow();
    }
    expect(() => box.openAccountSecret("v2." + parts.slice(1).join("."), "totp:user-a")).toThrow(/format/);
    expect(() => box.openAccountSecret("garbage", "totp:user-a")).toThrow(/format/);
  });

  it("after a key rotation seals under the newest key and still opens what the older key sealed", async () => {
    const before = await boxWith(`old:${key(7)}`);
    const sealedOld = before.sealAccountSecret("JBSWY3DPEHPK3PXP", "totp:user-a");

    const after = await boxWith(`new:${key(9)},old:${key(7)}`);
    expect(after.openAccountSecret(sealedOld, "totp:user-a")).toBe("JBSWY3DPEHPK3PXP");
    const sealedNew = after.sealAccountSecret("KRSXG5CTMVRXEZLU", "totp:user-a");
    expect(sealedNew.startsWith("v1.new.")).toBe(true);
    expect(after.openAccountSecret(sealedNew, "totp:user-a")).toBe("KRSXG5CTMVRXEZLU");

    // Once the old key is retired, what it sealed cannot be opened (and says which key is missing).
    const retired = await boxWith(`new:${key(9)}`);
    expect(() => retired.openAccountSecret(sealedOld, "totp:user-a")).toThrow(/old is not available/);
  });

  it("does not open a value sealed under a different key that reuses the id", async () => {
    const sealed = (await boxWith(`k:${key(7)}`)).sealAccountSecret("JBSWY3DPEHPK3PXP", "totp:user-a");
    const other = await boxWith(`k:${key(8)}`);
    expect(() => other.openAccountSecret(sealed, "totp:user-a")).toThrow();
  });
});
