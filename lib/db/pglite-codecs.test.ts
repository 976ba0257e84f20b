import { randomBytes } from "node:crypto";
import { PGlite, types } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JSONB_BINARY_FROM, pgliteCodecs } from "./pglite-codecs";

describe("PGlite's codecs (lib/db/pglite-codecs.ts)", () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create({ ...pgliteCodecs(types) });
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

  it("sends a long jsonb parameter in binary form and the server reads the same value, short ones and objects as before", async () => {
    const { serializers } = pgliteCodecs(types);
    const jsonb = serializers[types.JSONB]!;
    const rows = Array.from({ length: 400 }, (_, i) => ({ i, name: `Zoë ${i} 名前 🙂`, b: "\\x00ff" }));
    const long = JSON.stringify(rows);
    expect(long.length).toBeGreaterThan(JSONB_BINARY_FROM);
    const sent = jsonb(long) as unknown as Uint8Array;
    expect(sent).toBeInstanceOf(Uint8Array);
    expect(sent[0]).toBe(1);
    expect(Buffer.from(sent.subarray(1)).toString("utf8")).toBe(long);
    expect(typeof jsonb('{"a":1}')).toBe("string");
    for (const value of [long, '{"a":"é"}', { a: ["é", 1, null] }]) {
      const { rows: got } = await db.query<{ v: unknown; n: number }>("select $1::jsonb as v, jsonb_typeof($1::jsonb) as t", [value]);
      expect(got[0]!.v).toEqual(typeof value === "string" ? JSON.parse(value) : value);
    }
    const { rows: records } = await db.query<{ n: number; last: string }>("select count(*)::int as n, max(name) filter (where i = 399) as last from jsonb_to_recordset($1::jsonb) as r(i int, name text)", [long]);
    expect(records[0]).toEqual({ n: 400, last: "Zoë 399 名前 🙂" });
  });

  it("refuses a long jsonb parameter that is not JSON, as the server would any", async () => {
    await expect(db.query("select $1::jsonb", ["[" + "1,".repeat(JSONB_BINARY_FROM) + "oops]"])).rejects.toThrow(/invalid input syntax for type json/);
  });
});
