import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { orgKeys } from "@/db/schema/crypto";
import { resultRows } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { blindIndex, blindIndexer } from "./blind-index";
import { activeDataKey, activateNewDataKey, listOrganizationKeys } from "./data-keys";
import { CiphertextFormatError, CiphertextTooLargeError, CryptoError, DecryptionError, KeyUnavailableError, TenantContextError, WrongPlaceError } from "./errors";
import { MAX_FIELD_BYTES, MAX_SEALED_BYTES, decryptField, decryptFieldBytes, encryptField, sealedKeyVersion, type FieldPlace } from "./fields";
import { createLocalMasterKeyProvider, setMasterKeyProvider } from "./keyring";
import { countingProvider, createOrganization, useTestMasterKeys } from "./test-support";

describe.each(testBackends())("sealed fields (%s)", (backend) => {
  let t: TestDatabase;
  let orgA: string, orgB: string;
  let masterKeys: { id: string; key: Buffer }[];
  const place = (orgId: string, over: Partial<FieldPlace> = {}): FieldPlace => ({ orgId, table: "contacts", column: "email", rowId: "row-1", ...over });

  const seal = (orgId: string, value: string | Uint8Array, over: Partial<FieldPlace> = {}) =>
    withTenant(t.db, { orgId }, (tx) => encryptField({ tx, ...place(orgId, over) }, value));
  const open = (orgId: string, ct: Uint8Array, over: Partial<FieldPlace> = {}) =>
    withTenant(t.db, { orgId }, (tx) => decryptField({ tx, ...place(orgId, over) }, ct));

  beforeAll(async () => {
    masterKeys = useTestMasterKeys(["m1"]);
    t = await createTestDatabase(backend);
    orgA = await createOrganization(t.db);
    orgB = await createOrganization(t.db);
  });
  afterAll(async () => t?.drop());

  it.each([
    ["empty", ""],
    ["unicode", "Zoë Łukasiewicz 🗳️ — 東京 — نعم"],
    ["64 KiB", "x".repeat(64 * 1024)],
  ])("round-trips a %s value", async (_name, value) => {
    const ct = await seal(orgA, value);
    expect(ct.includes(Buffer.from(value))).toBe(value === ""); // only the empty string is trivially "contained"
    expect(await open(orgA, ct)).toBe(value);
  });

  it("round-trips binary values and gives a fresh ciphertext each time", async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 0]);
    const [c1, c2] = [await seal(orgA, bytes), await seal(orgA, bytes)];
    expect(c1.equals(c2)).toBe(false);
    const back = await withTenant(t.db, { orgId: orgA }, (tx) => decryptFieldBytes({ tx, ...place(orgA) }, c1));
    expect(back.equals(bytes)).toBe(true);
  });

  it("refuses any single modified byte, anywhere, with a CryptoError", async () => {
    const ct = await seal(orgA, "a@example.org");
    const failures = await withTenant(t.db, { orgId: orgA }, async (tx) => {
      const seen = new Set<string>();
      for (let i = 0; i < ct.length; i++) {
        const bad = Buffer.from(ct);
        bad[i]! ^= 0x04;
        const err = await decryptField({ tx, ...place(orgA) }, bad).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `byte ${i}`).toBeInstanceOf(CryptoError);
        seen.add((err as Error).name);
      }
      return seen;
    });
    expect(failures).toContain("DecryptionError");
    expect(failures).toContain("CiphertextFormatError");
  });

  it("refuses a ciphertext moved to another row, column or table", async () => {
    const ct = await seal(orgA, "moved");
    await expect(open(orgA, ct, { rowId: "row-2" })).rejects.toBeInstanceOf(WrongPlaceError);
    await expect(open(orgA, ct, { column: "phone" })).rejects.toBeInstanceOf(WrongPlaceError);
    await expect(open(orgA, ct, { table: "volunteers" })).rejects.toBeInstanceOf(WrongPlaceError);
    expect(await open(orgA, ct)).toBe("moved");
  });

  it("refuses a ciphertext copied into another organisation", async () => {
    const ct = await seal(orgA, "org A's secret");
    await seal(orgB, "B has keys too");
    await expect(open(orgB, ct, { orgId: orgB })).rejects.toBeInstanceOf(DecryptionError);
  });

  it("refuses oversize values and ciphertexts, and unknown format versions, with clear errors", async () => {
    await expect(seal(orgA, "x".repeat(MAX_FIELD_BYTES + 1))).rejects.toBeInstanceOf(CiphertextTooLargeError);
    await expect(open(orgA, Buffer.alloc(MAX_SEALED_BYTES + 1, 0x52))).rejects.toBeInstanceOf(CiphertextTooLargeError);
    const ct = await seal(orgA, "v");
    const future = Buffer.from(ct);
    future[1] = 2;
    await expect(open(orgA, future)).rejects.toThrow(/unknown format version 2/);
    await expect(open(orgA, Buffer.from("plain text"))).rejects.toBeInstanceOf(CiphertextFormatError);
  });

  it("names the key version in the header and refuses a version the organisation does not have", async () => {
    const ct = await seal(orgA, "versioned");
    expect(sealedKeyVersion(ct)).toBe(1);
    const bumped = Buffer.from(ct);
    bumped.writeUInt32BE(99, 2);
    await expect(open(orgA, bumped)).rejects.toThrow(KeyUnavailableError);
    await expect(open(orgA, bumped)).rejects.toThrow(/no data key version 99/);
  });

  it("works only inside withTenant for the same organisation", async () => {
    const ctx = place(orgA);
    await expect(encryptField({ tx: t.db as never, ...ctx }, "x")).rejects.toBeInstanceOf(TenantContextError);
    await expect(withTenant(t.db, { orgId: orgB }, (tx) => encryptField({ tx, ...ctx }, "x"))).rejects.toBeInstanceOf(TenantContextError);
    const fresh = await createOrganization(t.db);
    await expect(
      t.db.transaction((tx) => encryptField({ tx, ...place(fresh) }, "no tenant context")),
    ).rejects.toBeInstanceOf(TenantContextError);
  });

  it("stores data keys only wrapped: no key material appears in the org_keys rows", async () => {
    const key = await withTenant(t.db, { orgId: orgA }, (tx) => activeDataKey(tx, orgA));
    const dump = await withTenant(t.db, { orgId: orgA }, async (tx) =>
      resultRows<{ line: string }>(await tx.execute(sql`select encode(convert_to(row_to_json(k)::text, 'UTF8'), 'hex') as line from org_keys k`)),
    );
    const hex = dump.map((r) => Buffer.from(r.line, "hex").toString("utf8")).join("\n");
    expect(hex).toMatch(/wrapped_key/);
    expect(hex.includes(key.key.toString("hex"))).toBe(false);
    expect(hex.includes(key.key.toString("base64"))).toBe(false);
    for (const mk of masterKeys) expect(hex.includes(mk.key.toString("hex"))).toBe(false);
  });

  it("creates an organisation's keys once on first use, even under concurrent first writes", async () => {
    const fresh = await createOrganization(t.db);
    const cts = await Promise.all(Array.from({ length: 6 }, (_, i) => seal(fresh, `value ${i}`, { rowId: `r${i}` })));
    const keys = await withTenant(t.db, { orgId: fresh }, (tx) => listOrganizationKeys(tx, fresh));
    expect(keys.map((k) => `${k.kind}:${k.version}:${k.status}`).sort()).toEqual(["data:1:active", "index:1:active"]);
    for (const [i, ct] of cts.entries()) expect(await open(fresh, ct, { rowId: `r${i}` })).toBe(`value ${i}`);
  });

  it("caches unwrapped keys in the process instead of unwrapping on every transaction", async () => {
    const counting = countingProvider(createLocalMasterKeyProvider(masterKeys, "test"));
    setMasterKeyProvider(counting);
    try {
      const ct = await seal(orgA, "cached");
      for (let i = 0; i < 5; i++) expect(await open(orgA, ct)).toBe("cached");
      expect(counting.unwraps).toBe(1);
    } finally {
      setMasterKeyProvider(createLocalMasterKeyProvider(masterKeys, "test"));
    }
  });

  it("fails clearly when the master key that wrapped the data key is not configured", async () => {
    const ct = await seal(orgA, "needs m1");
    setMasterKeyProvider(createLocalMasterKeyProvider([{ id: "other", key: Buffer.alloc(32, 7) }], "test"));
    try {
      await expect(open(orgA, ct)).rejects.toThrow(/Master key "m1" is not configured/);
    } finally {
      setMasterKeyProvider(createLocalMasterKeyProvider(masterKeys, "test"));
    }
    expect(await open(orgA, ct)).toBe("needs m1");
  });

  it("keeps a rotation from switching keys under a transaction that is still writing with the old one", async () => {
    const org = await createOrganization(t.db);
    await seal(org, "first");
    let releaseWriter!: () => void;
    const writerHolds = new Promise<void>((r) => (releaseWriter = r));
    let writerSealed!: () => void;
    const sealedOnce = new Promise<void>((r) => (writerSealed = r));
    const rowId = randomUUID();
    const writer = withTenant(t.db, { orgId: org }, async (tx) => {
      const ct = await encryptField({ tx, ...place(org, { rowId }) }, "written under v1");
      writerSealed();
      await writerHolds;
      return ct;
    });
    await sealedOnce;
    let activated = false;
    const rotation = withTenant(t.db, { orgId: org }, (tx) => activateNewDataKey(tx, org)).then((r) => {
      activated = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(activated).toBe(false);
    releaseWriter();
    const ct = await writer;
    expect((await rotation).version).toBe(2);
    expect(sealedKeyVersion(ct)).toBe(1);
    expect(sealedKeyVersion(await seal(org, "after"))).toBe(2);
  });

  it("gives equal blind indexes for equal normalised values, within one organisation only", async () => {
    const [a1, a2, aPhone1, aPhone2] = await withTenant(t.db, { orgId: orgA }, async (tx) => {
      const index = await blindIndexer(tx, orgA);
      return [
        index("email", "Zoe@Example.org"),
        index("email", "  zoe@example.ORG "),
        index("phone", "+44 20 7946 0958"),
        index("phone", "020 7946 0958", { defaultCallingCode: "44" }),
      ];
    });
    expect(a1.equals(a2)).toBe(true);
    expect(aPhone1.equals(aPhone2)).toBe(true);
    const b = await withTenant(t.db, { orgId: orgB }, (tx) => blindIndex(tx, orgB, "email", "zoe@example.org"));
    expect(b.equals(a1)).toBe(false);
    const other = await withTenant(t.db, { orgId: orgA }, (tx) => blindIndex(tx, orgA, "email", "zoe2@example.org"));
    expect(other.equals(a1)).toBe(false);
  });

  it("keeps the blind-index key apart from the data key", async () => {
    const { data, index } = await withTenant(t.db, { orgId: orgA }, async (tx) => ({
      data: (await activeDataKey(tx, orgA)).key,
      index: await blindIndex(tx, orgA, "email", "k@x.org"),
    }));
    const { createHmac } = await import("node:crypto");
    expect(index.equals(createHmac("sha256", data).update("rampart/blind-index/v1\0email\0k@x.org").digest())).toBe(false);
  });

  it("never lets the app role delete key rows", async () => {
    await expect(withTenant(t.db, { orgId: orgA }, (tx) => tx.delete(orgKeys))).rejects.toThrow();
  });
});
