import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { desc, eq, sql } from "drizzle-orm";
import { auditEvents } from "@/db/schema/audit";
import { recordAuditEvent } from "@/lib/audit/record";
import { feedEventColumns, listActivity, type FeedViewer } from "@/lib/audit/feed";
import { openDatabase, resultRows, type Database } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { fmt, markdownTable, type Harness, type HarnessResult } from "./lib/harness";
import { createScratchDatabase, postgresAnswers } from "@/lib/testing/scratch-database";

/**
 * DESIGN.md, Performance: the activity feed's p95 at one million events, keyset against OFFSET in the same run, and
 * audit inserts per second with the hash chain under 8 concurrent writers against a plain insert of the same rows.
 *
 * The million events are bulk-inserted with generate_series: their hashes are placeholders, not a real chain (the feed
 * never reads them); the insert measurement uses the real recordAuditEvent. PostgreSQL on 127.0.0.1 when it answers
 * (a scratch database, dropped afterwards), else in-memory PGlite with less noise.
 */
const PAGE = 50;
const FAR_PAGE = 500;
/** Deeper than asked, to show how OFFSET grows with depth while keyset does not. */
const DEEP_PAGE = 5000;
const TARGET_EVENTS = 1_000_000;
const NOISE_ORGS = 10;
const ROUNDS = 120;
const SLOW_QUERY_BUDGET_MS = 25_000;
const WRITERS = 8;
const INSERT_SECONDS = 3;
const BASE_URL = process.env.RAMPART_BENCH_PG_URL ?? process.env.RAMPART_TEST_PG_URL ?? "postgres://root@127.0.0.1:5432/test";

type Say = (line: string) => void;
type Backend = { name: string; db: Database; owner(query: string): Promise<Record<string, unknown>[]>; close(): Promise<void> };


async function openBackend(say: Say): Promise<Backend> {
  if (await postgresAnswers(BASE_URL)) {
    const scratch = await createScratchDatabase(BASE_URL, "rampart_bench_audit");
    const handle = await openDatabase({ kind: "pg", url: scratch.url });
    const owner = new pg.Client({ connectionString: scratch.url });
    await owner.connect();
    say(`PostgreSQL at ${new URL(scratch.url).host}, scratch database ${scratch.name}`);
    return {
      name: `PostgreSQL ${(await owner.query("show server_version")).rows[0].server_version} (node-postgres)`,
      db: handle.db,
      owner: async (q) => (await owner.query(q)).rows as Record<string, unknown>[],
      close: async () => {
        await owner.end();
        await handle.close();
        await scratch.drop();
      },
    };
  }
  say("no PostgreSQL on 127.0.0.1: PGlite in memory");
  const handle = await openDatabase({ kind: "pglite", dataDir: "memory://" });
  return {
    name: "PGlite (in memory)",
    db: handle.db,
    owner: async (q) =>
      handle.db.transaction(async (tx) => {
        await tx.execute(sql.raw("SET LOCAL ROLE NONE"));
        return resultRows<Record<string, unknown>>(await tx.execute(sql.raw(q)));
      }),
    close: () => handle.close(),
  };
}

const actions = ["contact.created", "contact.updated", "action.created", "member.role_changed", "import.completed", "report.filed", "auth.sign_in.succeeded"];

/** Bulk events for one organisation: seq 1..n, one second apart in time order, actors drawn from `actors`. */
async function generate(b: Backend, orgId: string, n: number, actors: string[], say: Say): Promise<void> {
  const chunk = 250_000;
  const arr = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(",")}]`;
  for (let from = 1; from <= n; from += chunk) {
    const to = Math.min(n, from + chunk - 1);
    await b.owner(`
      INSERT INTO audit_events (id, org_id, seq, actor_kind, actor_id, action, target_type, target_id, metadata, created_at, prev_hash, hash)
      SELECT gen_random_uuid(), '${orgId}', g, 'member', (${arr(actors)}::uuid[])[1 + g % ${actors.length}],
        (${arr(actions)})[1 + g % ${actions.length}], 'contact', md5(g::text), '{}'::jsonb,
        timestamptz '2026-01-01' + g * interval '1 second', lpad(to_hex(g - 1), 64, '0'), lpad(to_hex(g), 64, '0')
      FROM generate_series(${from}, ${to}) g`);
    if (n >= 500_000) say(`  … ${to.toLocaleString("en-US")} events`);
  }
  await b.owner(`INSERT INTO audit_chain_heads (chain_id, org_id, seq, hash, last_at)
    VALUES ('${orgId}', '${orgId}', ${n}, lpad(to_hex(${n}), 64, '0'), timestamptz '2026-01-01' + ${n} * interval '1 second')`);
}

async function newOrg(b: Backend, members: { id: string; role: string }[]): Promise<string> {
  const id = randomUUID();
  await b.owner(`INSERT INTO organizations (id, slug, name) VALUES ('${id}', 'bench-${id.slice(0, 8)}', 'Bench')`);
  await b.owner(`INSERT INTO users (id, email, name) VALUES ${members.map((m) => `('${m.id}', 'u-${m.id}@bench.test', 'Bench ${m.id.slice(0, 4)}')`).join(",")} ON CONFLICT DO NOTHING`);
  await b.owner(`INSERT INTO memberships (org_id, user_id, role) VALUES ${members.map((m) => `('${id}', '${m.id}', '${m.role}')`).join(",")}`);
  return id;
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The feed query of listActivity with OFFSET instead of a cursor: same columns, filter, order and transaction. */
function offsetPage(db: Database, viewer: FeedViewer, page: number) {
  return withTenant(db, { orgId: viewer.orgId, userId: viewer.userId }, (tx) =>
    tx
      .select(feedEventColumns)
      .from(auditEvents)
      .where(eq(auditEvents.orgId, viewer.orgId))
      .orderBy(desc(auditEvents.seq))
      .limit(PAGE + 1)
      .offset((page - 1) * PAGE),
  );
}

type FeedRow = { variant: string; page: number; runs: number; p95: number; median: number };

async function measureFeed(b: Backend, say: Say): Promise<{ rows: FeedRow[]; events: number }> {
  const owner = { id: randomUUID(), role: "owner" };
  const actors = [owner, ...Array.from({ length: 19 }, () => ({ id: randomUUID(), role: "volunteer" }))];
  const target = await newOrg(b, actors);
  const noise = 100_000;
  const t0 = performance.now();
  say(`generating ${TARGET_EVENTS.toLocaleString("en-US")} events in one organisation and ${NOISE_ORGS} × ${noise.toLocaleString("en-US")} in others…`);
  // Bulk load without indexes and checks, then build the indexes once (sorted builds, far quicker than 2 million index inserts).
  const indexes = (await b.owner(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'audit_events'
    AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'audit_events'::regclass)`)) as { indexname: string; indexdef: string }[];
  const constraints = (await b.owner(`SELECT conname, pg_get_constraintdef(oid) AS def, contype FROM pg_constraint
    WHERE conrelid = 'audit_events'::regclass AND contype IN ('p', 'u', 'c')`)) as { conname: string; def: string; contype: string }[];
  for (const i of indexes) await b.owner(`DROP INDEX ${i.indexname}`);
  for (const c of constraints) await b.owner(`ALTER TABLE audit_events DROP CONSTRAINT ${c.conname}`);
  // Reads do not depend on it, and it spares writing a gigabyte of WAL (the insert measurement ran before, logged).
  await b.owner("ALTER TABLE audit_events SET UNLOGGED");
  await generate(b, target, TARGET_EVENTS, actors.map((a) => a.id), say);
  for (let i = 0; i < NOISE_ORGS; i++) {
    const m = [{ id: randomUUID(), role: "owner" }];
    await generate(b, await newOrg(b, m), noise, m.map((a) => a.id), say);
  }
  say(`loaded in ${Math.round((performance.now() - t0) / 1000)} s; building indexes…`);
  await b.owner("SET maintenance_work_mem = '256MB'");
  // The format checks cost more than the load itself; the generated rows satisfy them, so they return unvalidated.
  for (const c of constraints) await b.owner(`ALTER TABLE audit_events ADD CONSTRAINT ${c.conname} ${c.def}${c.contype === "c" ? " NOT VALID" : ""}`);
  for (const i of indexes) await b.owner(i.indexdef);
  await b.owner("ANALYZE audit_events");
  say(`generated and indexed in ${Math.round((performance.now() - t0) / 1000)} s`);

  const viewer: FeedViewer = { orgId: target, userId: owner.id, role: "owner" };
  const volunteer: FeedViewer = { orgId: target, userId: actors[1]!.id, role: "volunteer" };
  const cursorFor = (page: number) => String(TARGET_EVENTS - (page - 1) * PAGE + 1);
  const farCursor = cursorFor(FAR_PAGE);
  const variants: { variant: string; page: number; run: () => Promise<unknown>; slow?: boolean }[] = [
    { variant: "keyset (listActivity)", page: 1, run: () => listActivity(b.db, viewer, { limit: PAGE }) },
    { variant: "OFFSET", page: 1, run: () => offsetPage(b.db, viewer, 1) },
    { variant: "keyset (listActivity)", page: FAR_PAGE, run: () => listActivity(b.db, viewer, { limit: PAGE, before: farCursor }) },
    { variant: "OFFSET", page: FAR_PAGE, run: () => offsetPage(b.db, viewer, FAR_PAGE), slow: true },
    { variant: "keyset (listActivity)", page: DEEP_PAGE, run: () => listActivity(b.db, viewer, { limit: PAGE, before: cursorFor(DEEP_PAGE) }) },
    { variant: "OFFSET", page: DEEP_PAGE, run: () => offsetPage(b.db, viewer, DEEP_PAGE), slow: true },
    { variant: "keyset, volunteer's own events", page: 1, run: () => listActivity(b.db, volunteer, { limit: PAGE }) },
  ];

  // Same rows both ways, or the comparison means nothing.
  const keysetFar = (await listActivity(b.db, viewer, { limit: PAGE, before: farCursor })).events.map((e) => e.id);
  const offsetFar = (await offsetPage(b.db, viewer, FAR_PAGE)).slice(0, PAGE).map((e) => e.id);
  if (keysetFar.length !== PAGE || keysetFar.join() !== offsetFar.join()) throw new Error("keyset and OFFSET disagree on page 500");

  const samples = variants.map(() => [] as number[]);
  for (const v of variants) for (let i = 0; i < 5; i++) await v.run(); // warm-up
  const slowStarted = performance.now();
  // Rounds alternate the order (A B … B A) so drift in machine load falls on every variant alike.
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? variants.map((_, i) => i) : variants.map((_, i) => variants.length - 1 - i);
    for (const i of order) {
      const v = variants[i]!;
      if (v.slow && samples[i]!.length >= 20 && performance.now() - slowStarted > SLOW_QUERY_BUDGET_MS) continue;
      samples[i]!.push(await timed(v.run));
    }
  }
  return {
    rows: variants.map((v, i) => ({ variant: v.variant, page: v.page, runs: samples[i]!.length, p95: p95(samples[i]!), median: median(samples[i]!) })),
    events: TARGET_EVENTS + NOISE_ORGS * noise,
  };
}

type InsertRow = { variant: string; events: number; perSecond: number };

async function writers(fn: (writer: number) => Promise<void>): Promise<number> {
  let events = 0;
  const until = performance.now() + INSERT_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      while (performance.now() < until) {
        await fn(w);
        events++;
      }
    }),
  );
  return events;
}

async function measureInserts(b: Backend, say: Say): Promise<InsertRow[]> {
  const member = { id: randomUUID(), role: "admin" };
  const shared = await newOrg(b, [member]);
  const own: string[] = [];
  const plain: string[] = [];
  for (let i = 0; i < WRITERS; i++) own.push(await newOrg(b, [member]));
  for (let i = 0; i < WRITERS; i++) plain.push(await newOrg(b, [member]));
  const people = Array.from({ length: WRITERS }, () => randomUUID());
  await b.owner(`CREATE SEQUENCE bench_plain_seq`);
  await b.owner(`GRANT USAGE ON SEQUENCE bench_plain_seq TO rampart_app`);
  const event = (orgId: string) =>
    ({ orgId, actor: { kind: "member", id: member.id }, action: "contact.updated", target: { type: "contact", id: randomUUID() }, metadata: { fields: ["phone"] } }) as const;
  const hash = randomBytes(32).toString("hex");

  const variants: { variant: string; fn: (w: number) => Promise<void> }[] = [
    {
      // The same row into the same table under the same row-level security, its seq from a sequence: all but the chain.
      variant: "plain INSERT of the same row, no chain (floor)",
      fn: (w) =>
        withTenant(b.db, { orgId: plain[w]!, userId: member.id }, async (tx) => {
          await tx.execute(sql`INSERT INTO audit_events (id, org_id, seq, actor_kind, actor_id, action, target_type, target_id, metadata, created_at, prev_hash, hash)
            VALUES (${randomUUID()}, ${plain[w]!}, nextval('bench_plain_seq'), 'member', ${member.id}, 'contact.updated', 'contact', ${randomUUID()},
            '{"fields":["phone"]}'::jsonb, now(), ${hash}, ${hash})`);
        }),
    },
    {
      variant: "recordAuditEvent, 8 writers on one chain",
      fn: () => withTenant(b.db, { orgId: shared, userId: member.id }, async (tx) => void (await recordAuditEvent(tx, event(shared)))),
    },
    {
      variant: "recordAuditEvent, 8 writers on 8 chains",
      fn: (w) => withTenant(b.db, { orgId: own[w]!, userId: member.id }, async (tx) => void (await recordAuditEvent(tx, event(own[w]!)))),
    },
    {
      // Account events (no organisation) of eight people, as sign-ins across the platform write them.
      variant: "recordAuditEvent, account events of 8 people",
      fn: async (w) => void (await recordAuditEvent(b.db, { actor: { kind: "member", id: people[w]! }, action: "auth.sign_in.succeeded", metadata: { method: "password" } })),
    },
  ];
  for (const v of variants) for (let i = 0; i < 20; i++) await v.fn(i % WRITERS); // warm-up
  const totals = variants.map(() => ({ events: 0, seconds: 0 }));
  // A B C C B A: drift in the machine's load falls on every variant alike.
  for (const i of [0, 1, 2, 3, 3, 2, 1, 0]) {
    const t0 = performance.now();
    totals[i]!.events += await writers(variants[i]!.fn);
    totals[i]!.seconds += (performance.now() - t0) / 1000;
  }
  const rows = variants.map((v, i) => ({ variant: v.variant, events: totals[i]!.events, perSecond: totals[i]!.events / totals[i]!.seconds }));
  for (const r of rows) say(`inserts, ${r.variant}: ${fmt(r.perSecond, 0)}/s`);
  return rows;
}

function insertsTable(inserts: InsertRow[]): string {
  const floor = inserts[0]!.perSecond;
  return markdownTable(
    [`audit inserts, ${WRITERS} concurrent writers, 2 × ${INSERT_SECONDS} s`, "events", "events/s", "vs floor"],
    inserts.map((r) => [r.variant, r.events, fmt(r.perSecond, 0), `${fmt(r.perSecond / floor, 2)}×`]),
  );
}

function insertsRatio(inserts: InsertRow[]): string {
  const floor = inserts[0]!.perSecond;
  return `chained inserts: ${fmt(inserts[1]!.perSecond, 0)}/s on one chain, ${fmt(inserts[2]!.perSecond, 0)}/s on 8 chains, ${fmt(inserts[3]!.perSecond, 0)}/s of account events = ${fmt(inserts[1]!.perSecond / floor, 2)}× / ${fmt(inserts[2]!.perSecond / floor, 2)}× / ${fmt(inserts[3]!.perSecond / floor, 2)}× of plain inserts (${fmt(floor, 0)}/s)`;
}

function insertsOnly(backend: string, inserts: InsertRow[]): AuditBenchResult {
  return { name: "audit", table: `Backend: ${backend}\n\n${insertsTable(inserts)}`, ratio: `ratio: ${insertsRatio(inserts)}`, data: { backend, events: 0, feed: [], inserts } };
}

export type AuditBenchResult = HarnessResult & { data: { backend: string; events: number; feed: FeedRow[]; inserts: InsertRow[] } };

/** Runs the audit harness once and returns its table and ratio line. */
export async function main(say: Say): Promise<AuditBenchResult> {
  const b = await openBackend(say);
  try {
    const inserts = await measureInserts(b, say);
    // `--audit-inserts-only`: the chain measurement alone, without the minutes of generating a million events.
    if (process.argv.includes("--audit-inserts-only")) return insertsOnly(b.name, inserts);
    const { rows: feed, events } = await measureFeed(b, say);
    const at = (variant: string, page: number) => feed.find((r) => r.variant.startsWith(variant) && r.page === page)!;
    const far = at("OFFSET", FAR_PAGE).p95 / at("keyset (", FAR_PAGE).p95;
    const first = at("OFFSET", 1).p95 / at("keyset (", 1).p95;
    const table = [
      `Backend: ${b.name}; ${events.toLocaleString("en-US")} events (${TARGET_EVENTS.toLocaleString("en-US")} in the measured organisation), pages of ${PAGE}, owner's view through withTenant and RLS.`,
      "",
      markdownTable(
        ["feed query", "page", "runs", "p95 ms", "median ms"],
        feed.map((r) => [r.variant, r.page, r.runs, fmt(r.p95, 2), fmt(r.median, 2)]),
      ),
      "",
      insertsTable(inserts),
      "",
      "The million events are generated in SQL with placeholder hashes (the feed does not read them); inserts use the real chain.",
    ].join("\n");
    const deep = at("OFFSET", DEEP_PAGE).p95 / at("keyset (", DEEP_PAGE).p95;
    const ratio =
      `ratio: audit feed p95 at page ${FAR_PAGE} of ${TARGET_EVENTS.toLocaleString("en-US")} events: keyset ${fmt(at("keyset (", FAR_PAGE).p95, 2)} ms vs OFFSET ${fmt(at("OFFSET", FAR_PAGE).p95, 2)} ms (${fmt(far, 1)}× faster; ${fmt(deep, 1)}× at page ${DEEP_PAGE}); ` +
      `page 1: ${fmt(at("keyset (", 1).p95, 2)} vs ${fmt(at("OFFSET", 1).p95, 2)} ms (${fmt(first, 2)}×); ` +
      insertsRatio(inserts);
    return { name: "audit", table, ratio, data: { backend: b.name, events, feed, inserts } };
  } finally {
    await b.close();
  }
}

export const auditBench: Harness = { name: "audit", run: (say) => main(say) };
