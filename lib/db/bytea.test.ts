import { randomBytes } from "node:crypto";
import { PGlite, types } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgliteByteaCodec } from "./bytea";

describe("PGlite's bytea codec (lib/db/bytea.ts)", () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create({ ...pgliteByteaCodec(types) });
  });
  afterAll(async () => db?.close());

  const values = [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0x5c, 0x78, 0x00, 0xff]), randomBytes(159), randomBytes(70_000)];

  it("writes and reads back every byte, as a Buffer", async () => {
    for (const value of values) {
      const { rows } = await db.query<{ b: Uint8Array; n: number }>("select $1::bytea as b, length($1::bytea) as n", [value]);
      expect(Buffer.isBuffer(rows[0]!.b)).toBe(true);
      expect(Buffer.from(rows[0]!.b).equals(value)).toBe(true);
      expect(rows[0]!.n).toBe(value.length);
    }
  });

  it("reads what the server encoded itself, and bytea arrays with NULLs", async () => {
    const { rows } = await db.query<{ b: Uint8Array; a: (Uint8Array | null)[] }>(
      "select decode('00ff5c78', 'hex') as b, array[decode('0102', 'hex'), null, ''::bytea] as a",
    );
    expect(Buffer.from(rows[0]!.b).toString("hex")).toBe("00ff5c78");
    expect(rows[0]!.a.map((x) => (x === null ? null : Buffer.from(x).toString("hex")))).toEqual(["0102", null, ""]);
  });

  it("reads the escape output format too", async () => {
    await db.exec("set bytea_output = 'escape'");
    try {
      const { rows } = await db.query<{ b: Uint8Array }>("select decode('41005c7f80ff0a', 'hex') as b");
      expect(Buffer.from(rows[0]!.b).toString("hex")).toBe("41005c7f80ff0a");
    } finally {
      await db.exec("set bytea_output = 'hex'");
    }
  });

  it("refuses non-bytes as a bytea parameter", async () => {
    await expect(db.query("select $1::bytea", ["not bytes"])).rejects.toThrow(TypeError);
  });
});
