import { PGlite, parse, protocol, types } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgliteCodecs } from "./pglite-codecs";
import { keepStatements, type StatementStats } from "./pglite-statements";

// PGlite only: this is PGlite's driver path (lib/db/client.ts installs it on every PGlite the app opens).
const SCHEMA = `
  create table things (id int primary key, label text, bytes bytea, doc jsonb, at timestamptz, tags text[]);
  insert into things values
    (1, 'one', '\\x00ff10', '{"a": 1}', '2026-12-07T10:00:00Z', '{x,y}'),
    (2, null, null, null, null, null),
    (3, 'drei ü 🎉', '\\x', '[1, "zwei"]', '2026-01-01T00:00:00.123456Z', '{}');
  create role walled nologin;
  create table notes (org text not null, body text not null);
  alter table notes enable row level security;
  alter table notes force row level security;
  create policy by_org on notes using (org = current_setting('app.org', true));
  grant select, insert on notes to walled;
  insert into notes values ('a', 'a1'), ('a', 'a2'), ('b', 'b1');
  create table reshaped (id int);
  insert into reshaped values (7);
`;

async function open(options: { keep: boolean; max?: number }) {
  const client = await PGlite.create({ ...pgliteCodecs(types) });
  await client.exec(SCHEMA);
  const stats = options.keep ? await keepStatements(client, { protocol, parse }, { max: options.max }) : null;
  return { client, stats: stats as () => StatementStats };
}

let kept: Awaited<ReturnType<typeof open>>;
let plain: Awaited<ReturnType<typeof open>>;
beforeAll(async () => {
  kept = await open({ keep: true });
  plain = await open({ keep: false });
});
afterAll(async () => {
  await kept.client.close();
  await plain.client.close();
});

const serverStatements = async (client: PGlite) =>
  (await client.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements where name ~ '^rampart_[0-9]+$'")).rows[0]!.n;

describe("kept statements on PGlite", () => {
  it("answers every query exactly as PGlite's own path does: rows, fields, parsers, parameters and counts", async () => {
    const drizzleParsers = { [types.TIMESTAMPTZ]: (value: string) => value };
    const cases: Array<[string, unknown[], object | undefined]> = [
      ["select * from things order by id", [], undefined],
      ["select * from things order by id", [], { rowMode: "array" }],
      ["select id, at from things where id = any($1::int[]) order by id", [[1, 3]], { rowMode: "array", parsers: drizzleParsers }],
      ["select $1::bytea as b, $2::jsonb as j, $3::text as t, $4::int as n", [Buffer.from([1, 2, 3]), { big: "x".repeat(5000), é: [1] }, null, 42], undefined],
      ["select label from things where label = $1", ["nobody"], undefined],
      ["update things set label = label where id <= $1", [2], undefined],
      ["insert into things (id, label) values ($1, $2) returning id, label", [4, "vier"], undefined],
      ["delete from things where id = $1", [4], undefined],
    ];
    for (const [text, params, options] of cases) {
      const ours = await kept.client.query(text, params, options);
      const theirs = await plain.client.query(text, params, options);
      expect({ text, rows: ours.rows, fields: ours.fields, affectedRows: ours.affectedRows }).toEqual({
        text,
        rows: theirs.rows,
        fields: theirs.fields,
        affectedRows: theirs.affectedRows,
      });
    }
  });

  it("parses a text once and binds it on every later use, inside and outside transactions", async () => {
    const before = kept.stats();
    const text = "select label from things where id = $1";
    for (let id = 1; id <= 3; id++) await kept.client.query(text, [id]);
    await kept.client.transaction(async (tx) => {
      expect((await tx.query<{ label: string }>(text, [1])).rows).toEqual([{ label: "one" }]);
    });
    const after = kept.stats();
    expect(after.prepared - before.prepared).toBe(1);
    expect(after.reused - before.reused).toBe(3);
    const [row] = (await kept.client.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements where statement = $1", [text])).rows;
    expect(row!.n).toBe(1);
  });

  it("lets PostgreSQL choose a generic plan for scalar parameters, and plans array and jsonb ones for their values", async () => {
    const planCounts = async (text: string) =>
      (await kept.client.query<{ generic: number; custom: number }>("select generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements where statement = $1", [text])).rows[0];
    const scalar = "select label as planned from things where id = $1";
    for (let i = 0; i < 12; i++) await kept.client.query(scalar, [(i % 3) + 1]);
    expect((await planCounts(scalar))!.generic).toBeGreaterThan(0);
    // Without the forced custom plans PostgreSQL switches this one to a generic plan after five runs too.
    const array = "select label as listed from things where id = any($1::int[])";
    const json = "select t.label from jsonb_to_recordset($1::jsonb) as r(id int) join things t on t.id = r.id";
    const before = kept.stats().planned;
    for (let i = 0; i < 12; i++) {
      expect((await kept.client.query(array, [[(i % 3) + 1]])).rows).toHaveLength(1);
      expect((await kept.client.query(json, [[{ id: (i % 3) + 1 }]])).rows).toHaveLength(1);
    }
    expect(await planCounts(array)).toEqual({ generic: 0, custom: 12 });
    expect(await planCounts(json)).toEqual({ generic: 0, custom: 12 });
    expect(kept.stats().planned - before).toBe(24);
    // The setting is back to PostgreSQL's choice after each, also after one that failed in a transaction.
    const mode = async () => (await kept.client.query<{ plan_cache_mode: string }>("show plan_cache_mode")).rows[0]!.plan_cache_mode;
    expect(await mode()).toBe("auto");
    await expect(kept.client.transaction((tx) => tx.query("select 1 / (r.id - r.id) from jsonb_to_recordset($1::jsonb) as r(id int)", [[{ id: 1 }]]))).rejects.toMatchObject({ code: "22012" });
    await expect(kept.client.query("select 1 / (r.id - r.id) from jsonb_to_recordset($1::jsonb) as r(id int)", [[{ id: 1 }]])).rejects.toMatchObject({ code: "22012" });
    expect(await mode()).toBe("auto");
  });

  it("keeps row-level security: one kept statement sees only the rows of the role and setting it runs under", async () => {
    const text = "select body from notes order by body";
    const as = (org: string | null) =>
      kept.client.transaction(async (tx) => {
        if (org !== null) await tx.query("select set_config('role', 'walled', true), set_config('app.org', $1, true)", [org]);
        return (await tx.query<{ body: string }>(text)).rows.map((r) => r.body);
      });
    const before = kept.stats();
    expect(await as("a")).toEqual(["a1", "a2"]);
    expect(await as("b")).toEqual(["b1"]);
    expect(await as(null)).toEqual(["a1", "a2", "b1"]); // the owner: no policy applies
    expect(await as("a")).toEqual(["a1", "a2"]);
    expect(await as("nobody")).toEqual([]);
    expect(kept.stats().prepared - before.prepared).toBe(2); // the body and the set-up, each once
    // A write under the policy is checked too.
    await expect(
      kept.client.transaction(async (tx) => {
        await tx.query("select set_config('role', 'walled', true), set_config('app.org', 'a', true)");
        await tx.query("insert into notes (org, body) values ($1, $2)", ["b", "smuggled"]);
      }),
    ).rejects.toMatchObject({ code: "42501" });
  });

  it("prepares a statement again when a schema change alters its result's columns", async () => {
    const text = "select * from reshaped";
    expect((await kept.client.query(text)).rows).toEqual([{ id: 7 }]);
    await kept.client.exec("alter table reshaped add column note text default 'new'");
    expect((await kept.client.query(text)).rows).toEqual([{ id: 7, note: "new" }]);
  });

  it("throws the server's error with its SQLSTATE and no copy of the statement's text or parameters", async () => {
    const secret = "person@example.test";
    const error = await kept.client.query("insert into things (id, label) values ($1, $2)", [1, secret]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "23505" });
    expect((error as { query?: unknown }).query).toBeUndefined();
    expect((error as { params?: unknown }).params).toBeUndefined();
    // A text the server cannot parse is not kept, and the connection goes on.
    const before = kept.stats();
    await expect(kept.client.query("selec 1")).rejects.toMatchObject({ code: "42601" });
    expect(kept.stats().kept).toBe(before.kept);
    expect((await kept.client.query("select 1 as one")).rows).toEqual([{ one: 1 }]);
  });

  it("rolls a transaction back when a kept statement fails in it, and the next transaction works", async () => {
    const insert = "insert into things (id, label) values ($1, $2)";
    await expect(
      kept.client.transaction(async (tx) => {
        await tx.query(insert, [10, "ten"]);
        await tx.query(insert, [10, "ten again"]);
      }),
    ).rejects.toMatchObject({ code: "23505" });
    expect((await kept.client.query("select count(*)::int as n from things where id = 10")).rows).toEqual([{ n: 0 }]);
    await kept.client.transaction(async (tx) => {
      await tx.query(insert, [10, "ten"]);
    });
    expect((await kept.client.query<{ label: string }>("select label from things where id = $1", [10])).rows).toEqual([{ label: "ten" }]);
    await kept.client.query("delete from things where id = $1", [10]);
  });

  it("keeps at most `max` statements and closes the ones it evicts", async () => {
    const small = await open({ keep: true, max: 3 });
    try {
      for (let round = 0; round < 2; round++) {
        for (let n = 1; n <= 8; n++) expect((await small.client.query<{ n: number }>(`select ${n} as n`)).rows).toEqual([{ n }]);
      }
      expect(small.stats()).toMatchObject({ kept: 3, prepared: 16, evicted: 13 });
      // The server holds the kept ones and at most the one eviction still to be closed with the next parse.
      expect(await serverStatements(small.client)).toBeLessThanOrEqual(4);
    } finally {
      await small.client.close();
    }
  });

  it("keeps concurrent callers apart: queries outside a transaction wait for it, as PGlite's own do", async () => {
    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => kept.client.query<{ n: number }>("select $1::int as n", [i]).then((r) => r.rows[0]!.n)),
      kept.client.transaction(async (tx) => {
        await tx.query("insert into things (id, label) values ($1, $2)", [20, "inside"]);
        const seen = (await tx.query<{ n: number }>("select count(*)::int as n from things where id = $1", [20])).rows[0]!.n;
        throw Object.assign(new Error("undo"), { seen });
      }).catch((e: { seen: number }) => 100 + e.seen),
      ...Array.from({ length: 10 }, (_, i) => kept.client.query<{ n: number }>("select count(*)::int + $1 as n from things where id = 20", [i]).then((r) => r.rows[0]!.n)),
    ]);
    expect(results).toEqual([...Array.from({ length: 10 }, (_, i) => i), 101, ...Array.from({ length: 10 }, (_, i) => i)]);
  });

  it("serves drizzle: typed selects, raw statements and transactions", async () => {
    const db = drizzle({ client: kept.client });
    const rows = await db.execute<{ id: number; at: string | null }>(sql`select id, at from things where id = ${3}`);
    expect(rows.rows).toEqual([{ id: 3, at: expect.stringMatching(/^2026-01-01 00:00:00\.123456\+00/) }]);
    const inside = await db.transaction(async (tx) => (await tx.execute<{ n: number }>(sql`select count(*)::int as n from things`)).rows[0]!.n);
    expect(inside).toBe(3);
  });

  it("leaves options it does not handle to PGlite's own path", async () => {
    const before = kept.stats();
    const { rows } = await kept.client.query<{ v: string }>("select $1 as v", ["7"], { paramTypes: [types.TEXT] });
    expect(rows).toEqual([{ v: "7" }]);
    expect(kept.stats().prepared).toBe(before.prepared);
  });
});
