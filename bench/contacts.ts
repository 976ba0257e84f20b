import { randomBytes, randomUUID } from "node:crypto";
import { and, desc, eq, sql } from "drizzle-orm";
import { jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { contacts, memberships, organizations, users } from "@/db/schema";
import { contactCardColumns, sealedContacts } from "@/lib/contacts/sealed";
import { contactInputSchema, type ContactValues } from "@/lib/contacts/input";
import { openContactRows } from "@/lib/contacts/read-models";
import { insertContacts } from "@/lib/contacts/write-rows";
import { blindIndexer, normalizeEmail, sealedKeyVersion } from "@/lib/crypto";
import { dataKeyVersion } from "@/lib/crypto/data-keys";
import { createLocalMasterKeyProvider, setMasterKeyProvider } from "@/lib/crypto/keyring";
import { resultRows, type Transaction } from "@/lib/db/client";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { asOwner, benchBackends, type BenchBackend as Backend, type Say } from "./lib/backends";
import { fmt, markdownTable, type Harness, type HarnessResult } from "./lib/harness";

/**
 * DESIGN.md, Performance: the contacts page and the search by email, sealed against the same data in clear.
 * (a) a 100-row page of a 10,000-contact campaign, read in (org_id, created_at) order with the columns the contacts page
 *     shows and decrypted, against the same page from a plaintext twin table (same columns in clear, same indexes, the
 *     same RLS policy);
 * (b) an exact search by email in a 100,000-contact campaign: blind index (HMAC, indexed lookup, decrypt the hit)
 *     against an indexed lookup of the plaintext email in the twin.
 * Contacts are written by insertContacts itself (sealed fields, blind indexes, name tokens). PGlite in memory always;
 * PostgreSQL as well when RAMPART_BENCH_PG_URL or RAMPART_TEST_PG_URL names a server. `--contacts=N` shrinks (b).
 * Both sides are read through drizzle (the twin declared as a pgTable here), so the ratio is the sealing's cost, not the
 * query builder's.
 */
const PAGE = 100;
const PAGE_CAMPAIGN = 10_000;
const SEARCH_CAMPAIGN = 100_000;
const ROUNDS = 100;
const SEARCH_ROUNDS = 300;
const INSERT_BATCH = 2_000;

const BULK_TABLES = ["contacts", "bench_plain_contacts"];

const first = ["Amara", "Tomasz", "Mei", "Oliver", "Fatima", "Rhys", "Sofia", "Kwame", "Hannah", "Arjun", "Chloé", "Yusuf", "Niamh", "Kenji", "Grace", "Mateo", "Aisha", "Callum", "Elena", "Daniel", "Zainab", "Lucas", "Freya", "Omar", "Isla", "Ravi", "Ingrid", "Samuel", "Leila", "Patrick", "Ana", "Hiroshi"];
const last = ["Okonkwo", "Kowalczyk", "Chen", "Bennett", "Haddad", "Morgan", "Marquez", "Mensah", "Fischer", "Patel", "Dubois", "Demir", "O'Connell", "Watanabe", "Adeyemi", "Rossi", "Rahman", "Fraser", "Popescu", "Cohen", "Abdi", "Almeida", "Lindqvist", "Farouk", "McKenzie", "Iyer", "Johansson", "Osei", "Karimi", "Byrne", "Ferreira", "Tanaka"];
const streets = ["Quince Lane", "Harbour Row", "Albion Street", "Mill Road", "Chestnut Avenue", "Foundry Close", "Orchard Way"];

/** Contact number i of the bench campaign: deterministic, every email unique. */
function contactNumber(i: number): ContactValues {
  const f = first[i % first.length]!;
  const l = last[Math.floor(i / first.length) % last.length]!;
  return contactInputSchema.parse({
    name: `${f} ${l}`,
    email: `${f.normalize("NFKD").replace(/[^A-Za-z]/g, "").toLowerCase()}.${l.replace(/[^A-Za-z]/g, "").toLowerCase()}.${i}@example.org`,
    phone: `+44 20 7946 0${String(i % 1000).padStart(3, "0")}`,
    address: { line1: `${(i % 180) + 1} ${streets[i % streets.length]}`, city: "London", postcode: "E8 1DY", country: "United Kingdom" },
    notes: i % 10 === 0 ? "Prefers a call after 6 pm." : undefined,
    tags: i % 2 === 0 ? ["ward-3", "supporter"] : ["ward-5"],
  });
}


/**
 * The plaintext twin of contacts: the same columns with the personal ones in clear, the same page index, a plain
 * email index in place of the blind one, and the contacts table's own read policy copied over.
 */
async function createTwin(b: Backend): Promise<void> {
  const owner = (q: string) => asOwner(b.db, q);
  const [policy] = resultRows<{ qual: string }>(await asOwner(b.db, "select qual from pg_policies where tablename = 'contacts' and policyname = 'contacts_read'"));
  await owner(`CREATE TABLE bench_plain_contacts (
    id uuid PRIMARY KEY, org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name text NOT NULL, email text, phone text, address jsonb, notes text,
    tags text[] NOT NULL DEFAULT '{}', assigned_to uuid, synced_by uuid, source text NOT NULL DEFAULT 'manual', created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`);
  await owner("CREATE INDEX bench_plain_contacts_org_created_idx ON bench_plain_contacts (org_id, created_at, id)");
  await owner("CREATE INDEX bench_plain_contacts_email_idx ON bench_plain_contacts (org_id, email)");
  await owner("ALTER TABLE bench_plain_contacts ENABLE ROW LEVEL SECURITY");
  await owner("ALTER TABLE bench_plain_contacts FORCE ROW LEVEL SECURITY");
  await owner(`CREATE POLICY bench_plain_contacts_read ON bench_plain_contacts FOR SELECT USING (${policy!.qual})`);
  await owner("GRANT SELECT ON bench_plain_contacts TO rampart_app");
}

/** Contacts [from, to) into the campaign: sealed through insertContacts, and the same values in clear into the twin. */
async function load(b: Backend, orgId: string, adminId: string, from: number, to: number, say: Say): Promise<{ sealedMs: number; plainMs: number }> {
  let sealedMs = 0;
  let plainMs = 0;
  for (let start = from; start < to; start += INSERT_BATCH) {
    const values = Array.from({ length: Math.min(INSERT_BATCH, to - start) }, (_, k) => contactNumber(start + k));
    let t = performance.now();
    await withTenant(b.db, { orgId }, (tx) => insertContacts(tx, orgId, values, { source: "import", createdBy: adminId }));
    sealedMs += performance.now() - t;
    t = performance.now();
    const tuples = values.map(
      (v) =>
        sql`(${randomUUID()}, ${orgId}, ${v.name}, ${normalizeEmail(v.email!)}, ${v.phone ?? null}, ${JSON.stringify(v.address ?? null)}::jsonb, ${v.notes ?? null}, ${`{${v.tags.join(",")}}`}::text[], 'import', ${adminId})`,
    );
    await asOwner(b.db, sql`insert into bench_plain_contacts (id, org_id, name, email, phone, address, notes, tags, source, created_by) values ${sql.join(tuples, sql`, `)}`);
    plainMs += performance.now() - t;
    if ((start + values.length) % 20_000 === 0) say(`  … ${(start + values.length).toLocaleString("en-US")} contacts`);
  }
  for (const table of BULK_TABLES) await asOwner(b.db, `ANALYZE ${table}`);
  return { sealedMs, plainMs };
}

/**
 * Bench-only speed-up for the big load: the secondary indexes are dropped and
 * built once afterwards, a sorted build being far quicker than a million index inserts. Rows are the same.
 */
async function withIndexesRebuilt<T>(b: Backend, fn: () => Promise<T>): Promise<T & { rebuildMs: number }> {
  const list = BULK_TABLES.map((t) => `'${t}'`).join(", ");
  const indexes = resultRows<{ indexname: string; indexdef: string }>(
    await asOwner(b.db, `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename IN (${list})
      AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))`),
  );
  for (const i of indexes) await asOwner(b.db, `DROP INDEX ${i.indexname}`);
  const out = await fn();
  const t = performance.now();
  for (const i of indexes) await asOwner(b.db, i.indexdef);
  for (const table of BULK_TABLES) await asOwner(b.db, `ANALYZE ${table}`);
  return { ...out, rebuildMs: performance.now() - t };
}

/**
 * The columns the contacts page reads for a manager (lib/contacts/list-contacts.ts: the reach-out fields, tags, source,
 * assignee, syncer, time; notes are on a contact's own page only), and the same columns of the plaintext twin.
 */
const pageColumns = {
  id: contacts.id,
  orgId: contacts.orgId,
  ...contactCardColumns,
  tags: contacts.tags,
  assignedTo: contacts.assignedTo,
  syncedBy: contacts.syncedBy,
  source: contacts.source,
  createdAt: contacts.createdAt,
};

/** The twin as the app's query builder sees a table, so both pages are built and mapped the same way (by drizzle). */
const plainContacts = pgTable("bench_plain_contacts", {
  id: uuid("id").primaryKey(),
  orgId: uuid("org_id").notNull(),
  name: text("name").notNull(),
  email: text("email"),
  phone: text("phone"),
  address: jsonb("address"),
  notes: text("notes"),
  tags: text("tags").array().notNull(),
  assignedTo: uuid("assigned_to"),
  syncedBy: uuid("synced_by"),
  source: text("source").notNull(),
  createdBy: uuid("created_by"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
});
const plainPageColumns = {
  id: plainContacts.id,
  orgId: plainContacts.orgId,
  name: plainContacts.name,
  email: plainContacts.email,
  phone: plainContacts.phone,
  address: plainContacts.address,
  tags: plainContacts.tags,
  assignedTo: plainContacts.assignedTo,
  syncedBy: plainContacts.syncedBy,
  source: plainContacts.source,
  createdAt: plainContacts.createdAt,
};

/** The contacts page's rows as stored, newest first by (org_id, created_at, id). */
const sealedRows = (tx: Transaction, orgId: string) =>
  tx.select(pageColumns).from(contacts).where(eq(contacts.orgId, orgId)).orderBy(desc(contacts.createdAt), desc(contacts.id)).limit(PAGE);

/** The contacts page: its rows, then those rows decrypted (the key read first, then every card). */
const sealedPage = (tx: Transaction, orgId: string) => sealedRows(tx, orgId).then((rows) => openContactRows(tx, rows));

/** The page's rows and the key versions their cards need, not opened: the sealed page but for the cards' cryptography. */
async function sealedRowsAndKeys(tx: Transaction, orgId: string) {
  const rows = await sealedRows(tx, orgId);
  for (const version of new Set(rows.flatMap((r) => (r.card ? [sealedKeyVersion(r.card)] : [])))) await dataKeyVersion(tx, orgId, version);
  return rows;
}

const plainPage = (tx: Transaction, orgId: string) =>
  tx.select(plainPageColumns).from(plainContacts).where(eq(plainContacts.orgId, orgId)).orderBy(desc(plainContacts.createdAt), desc(plainContacts.id)).limit(PAGE);

/** Search by email: normalise, HMAC under the campaign's index key, indexed lookup, decrypt the hit. */
async function sealedSearch(tx: Transaction, orgId: string, email: string) {
  const index = await blindIndexer(tx, orgId);
  const rows = await tx.select().from(contacts).where(and(eq(contacts.orgId, orgId), eq(contacts.emailIndex, index("email", email))));
  return sealedContacts.openAll(tx, rows);
}

const plainSearch = (tx: Transaction, orgId: string, email: string) =>
  tx.select().from(plainContacts).where(and(eq(plainContacts.orgId, orgId), eq(plainContacts.email, normalizeEmail(email))));

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
/** Wall-clock quantiles, and the median of this process's CPU time per run (on a shared machine it moves less with the load; on PostgreSQL it leaves out the server's work). */
type Stats = { runs: number; p50: number; p95: number; cpuP50: number };
const stats = (xs: number[], cpu: number[]): Stats => ({ runs: xs.length, p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), cpuP50: quantile(cpu, 0.5) });

/** A and B alternately (A B B A), after a warm-up, so drift in the machine's load falls on both alike. */
async function compare(rounds: number, a: (round: number) => Promise<unknown>, b: (round: number) => Promise<unknown>): Promise<[Stats, Stats]> {
  for (let i = 0; i < 20; i++) {
    await a(i);
    await b(i);
  }
  const sa: number[] = [];
  const sb: number[] = [];
  const ca: number[] = [];
  const cb: number[] = [];
  const time = async (fn: (r: number) => Promise<unknown>, r: number, into: number[], cpuInto: number[]) => {
    const cpu = process.cpuUsage();
    const t = performance.now();
    await fn(r);
    into.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    cpuInto.push((used.user + used.system) / 1000);
  };
  for (let r = 0; r < rounds; r += 2) {
    await time(a, r, sa, ca);
    await time(b, r, sb, cb);
    await time(b, r + 1, sb, cb);
    await time(a, r + 1, sa, ca);
  }
  return [stats(sa, ca), stats(sb, cb)];
}

type BackendResult = {
  backend: string;
  short: string;
  pageCampaign: number;
  searchCampaign: number;
  /** insertContacts rows/s with every index in place (the first 10,000), and the whole load. */
  setup: { insertPerSecond: number; plainPerSecond: number; sealedSeconds: number; plainSeconds: number; rebuildSeconds: number; nameTokens: number };
  page: { sealed: Stats; plain: Stats };
  /** The sealed page taken apart, each part against the plaintext page in a run of its own. */
  parts: { rows: { sealed: Stats; plain: Stats }; rowsAndKeys: { sealed: Stats; plain: Stats } };
  search: { sealed: Stats; plain: Stats };
};

async function runOn(b: Backend, searchCampaign: number, say: Say): Promise<BackendResult> {
  const pageCampaign = Math.min(PAGE_CAMPAIGN, searchCampaign);
  const orgId = randomUUID();
  const adminId = randomUUID();
  await withSystem(b.db, async (tx) => {
    await tx.insert(organizations).values({ id: orgId, slug: `bench-${orgId.slice(0, 8)}`, name: "Bench" });
    await tx.insert(users).values({ id: adminId, email: `admin-${adminId}@bench.test`, name: "Bench Admin" });
    await tx.insert(memberships).values({ orgId, userId: adminId, role: "admin" });
  });
  await createTwin(b);
  const asAdmin = <T>(fn: (tx: Transaction) => Promise<T>) => withTenant(b.db, { orgId, userId: adminId }, fn);

  say(`${b.short}: loading ${pageCampaign.toLocaleString("en-US")} contacts (sealed via insertContacts, and in clear)…`);
  const first = await load(b, orgId, adminId, 0, pageCampaign, say);
  const [checkSealed, checkPlain] = await Promise.all([asAdmin((tx) => sealedPage(tx, orgId)), asAdmin((tx) => plainPage(tx, orgId))]);
  if (checkSealed.length !== PAGE || checkPlain.length !== PAGE || !checkSealed[0]!.name) throw new Error("a page came back short or unreadable");
  say(`${b.short}: page of ${PAGE} at ${pageCampaign.toLocaleString("en-US")} contacts…`);
  const [pageSealed, pagePlain] = await compare(
    ROUNDS,
    () => asAdmin((tx) => sealedPage(tx, orgId)),
    () => asAdmin((tx) => plainPage(tx, orgId)),
  );

  say(`${b.short}: the page's parts (its rows read, then their keys too, each against the plaintext page)…`);
  const [rowsOnly, rowsPlain] = await compare(
    ROUNDS,
    () => asAdmin((tx) => sealedRows(tx, orgId)),
    () => asAdmin((tx) => plainPage(tx, orgId)),
  );
  const [rowsAndKeys, keysPlain] = await compare(
    ROUNDS,
    () => asAdmin((tx) => sealedRowsAndKeys(tx, orgId)),
    () => asAdmin((tx) => plainPage(tx, orgId)),
  );

  say(`${b.short}: loading up to ${searchCampaign.toLocaleString("en-US")} contacts, indexes rebuilt afterwards…`);
  const rest = await withIndexesRebuilt(b, () => load(b, orgId, adminId, pageCampaign, searchCampaign, say));
  const [{ n: nameTokens }] = resultRows<{ n: number }>(await asOwner(b.db, sql`select coalesce(sum(cardinality(name_tokens)), 0)::int as n from contacts where org_id = ${orgId}`)) as [{ n: number }];
  // Spread over the whole campaign; the odd multiplier visits the targets in no particular order.
  const targets = Array.from({ length: 257 }, (_, k) => contactNumber((k * 7919) % searchCampaign).email!.toUpperCase());
  const hit = await asAdmin((tx) => sealedSearch(tx, orgId, targets[0]!));
  const plainHit = await asAdmin((tx) => plainSearch(tx, orgId, targets[0]!));
  if (hit.length !== 1 || plainHit.length !== 1 || hit[0]!.email !== plainHit[0]!.email) throw new Error("the two searches disagree");
  say(`${b.short}: search by email at ${searchCampaign.toLocaleString("en-US")} contacts…`);
  const [searchSealed, searchPlain] = await compare(
    SEARCH_ROUNDS,
    (r) => asAdmin((tx) => sealedSearch(tx, orgId, targets[r % targets.length]!)),
    (r) => asAdmin((tx) => plainSearch(tx, orgId, targets[r % targets.length]!)),
  );
  return {
    backend: b.name,
    short: b.short,
    pageCampaign,
    searchCampaign,
    setup: {
      insertPerSecond: pageCampaign / (first.sealedMs / 1000),
      plainPerSecond: pageCampaign / (first.plainMs / 1000),
      sealedSeconds: (first.sealedMs + rest.sealedMs) / 1000,
      plainSeconds: (first.plainMs + rest.plainMs) / 1000,
      rebuildSeconds: rest.rebuildMs / 1000,
      nameTokens,
    },
    page: { sealed: pageSealed, plain: pagePlain },
    parts: { rows: { sealed: rowsOnly, plain: rowsPlain }, rowsAndKeys: { sealed: rowsAndKeys, plain: keysPlain } },
    search: { sealed: searchSealed, plain: searchPlain },
  };
}

function searchSize(argv: string[]): number {
  const arg = argv.find((a) => a.startsWith("--contacts="));
  if (!arg) return SEARCH_CAMPAIGN;
  const n = Number(arg.slice("--contacts=".length));
  if (!Number.isInteger(n) || n < 1_000 || n > 1_000_000) throw new Error("--contacts must be a whole number from 1000 to 1000000");
  return n;
}

export type ContactsBenchResult = HarnessResult & { data: BackendResult[] };

/** Runs the contacts harness once on each backend and returns its table and ratio line. */
export async function main(say: Say, argv = process.argv.slice(2)): Promise<ContactsBenchResult> {
  const size = searchSize(argv);
  setMasterKeyProvider(createLocalMasterKeyProvider([{ id: "bench", key: randomBytes(32) }], "bench")); // never the key file of .data/
  const results: BackendResult[] = [];
  const opens = await benchBackends("rampart_bench_contacts", say);
  for (const open of opens) {
    const b = await open();
    try {
      results.push(await runOn(b, size, say));
    } finally {
      await b.close();
    }
  }
  const x = (a: number, base: number) => `${fmt(a / base, 2)}×`;
  const cpu = (q: { sealed: Stats; plain: Stats }) => `${fmt(q.plain.cpuP50, 2)} / ${fmt(q.sealed.cpuP50, 2)} (${x(q.sealed.cpuP50, q.plain.cpuP50)})`;
  const table = [
    markdownTable(
      ["backend", "query", "campaign", "plaintext p50 / p95 ms", "sealed p50 / p95 ms", "**p95 ratio**", "p50 ratio", "process CPU p50 ms, plaintext / sealed"],
      results.flatMap((r) => [
        [r.short, `page of ${PAGE}, newest first, decrypted`, r.pageCampaign.toLocaleString("en-US"), `${fmt(r.page.plain.p50, 2)} / ${fmt(r.page.plain.p95, 2)}`, `${fmt(r.page.sealed.p50, 2)} / ${fmt(r.page.sealed.p95, 2)}`, `**${x(r.page.sealed.p95, r.page.plain.p95)}**`, x(r.page.sealed.p50, r.page.plain.p50), cpu(r.page)],
        [r.short, "search by email (blind index vs plain index)", r.searchCampaign.toLocaleString("en-US"), `${fmt(r.search.plain.p50, 2)} / ${fmt(r.search.plain.p95, 2)}`, `${fmt(r.search.sealed.p50, 2)} / ${fmt(r.search.sealed.p95, 2)}`, `**${x(r.search.sealed.p95, r.search.plain.p95)}**`, x(r.search.sealed.p50, r.search.plain.p50), cpu(r.search)],
      ]),
    ),
    "",
    markdownTable(
      ["backend", "contacts", `insertContacts rows/s, first ${PAGE_CAMPAIGN.toLocaleString("en-US")} (plain insert)`, "setup s: insertContacts + plain + index rebuild", "name tokens"],
      results.map((r) => [
        r.backend,
        r.searchCampaign.toLocaleString("en-US"),
        `${fmt(r.setup.insertPerSecond, 0)} (${fmt(r.setup.plainPerSecond, 0)})`,
        `${fmt(r.setup.sealedSeconds, 0)} + ${fmt(r.setup.plainSeconds, 0)} + ${fmt(r.setup.rebuildSeconds, 0)}`,
        r.setup.nameTokens.toLocaleString("en-US"),
      ]),
    ),
    "",
    markdownTable(
      ["backend", "the sealed page's parts, p50 ms (each against the plaintext page in its own alternating run)", "plaintext page", "sealed", "ratio"],
      results.flatMap((r) => [
        [r.short, "its rows read (no key read, nothing opened)", fmt(r.parts.rows.plain.p50, 2), fmt(r.parts.rows.sealed.p50, 2), x(r.parts.rows.sealed.p50, r.parts.rows.plain.p50)],
        [r.short, "its rows and the key read (nothing opened)", fmt(r.parts.rowsAndKeys.plain.p50, 2), fmt(r.parts.rowsAndKeys.sealed.p50, 2), x(r.parts.rowsAndKeys.sealed.p50, r.parts.rowsAndKeys.plain.p50)],
        [r.short, `the whole page, ${PAGE} cards opened (the first table)`, fmt(r.page.plain.p50, 2), fmt(r.page.sealed.p50, 2), x(r.page.sealed.p50, r.page.plain.p50)],
        [r.short, `the cards' cryptography: whole page − rows and keys, per card`, "", `${fmt(r.page.sealed.p50 - r.parts.rowsAndKeys.sealed.p50, 2)} (${fmt(((r.page.sealed.p50 - r.parts.rowsAndKeys.sealed.p50) * 1000) / PAGE, 1)} µs)`, ""],
      ]),
    ),
    "",
    `Each query in its own tenant transaction as a campaign admin (RLS on both tables), both built and mapped by drizzle; ${ROUNDS} page runs and ${SEARCH_ROUNDS} searches per side, alternating.`,
  ].join("\n");
  const ratio =
    "ratio: contacts " +
    results
      .map(
        (r) =>
          `${r.short}: ${PAGE}-row page p95 ${fmt(r.page.sealed.p95, 2)} vs ${fmt(r.page.plain.p95, 2)} ms plaintext (${x(r.page.sealed.p95, r.page.plain.p95)}), p50 ${fmt(r.page.sealed.p50, 2)} vs ${fmt(r.page.plain.p50, 2)} (${x(r.page.sealed.p50, r.page.plain.p50)}); ` +
          `email search at ${r.searchCampaign.toLocaleString("en-US")} p50/p95 ${fmt(r.search.sealed.p50, 2)}/${fmt(r.search.sealed.p95, 2)} vs ${fmt(r.search.plain.p50, 2)}/${fmt(r.search.plain.p95, 2)} ms (${x(r.search.sealed.p50, r.search.plain.p50)} / ${x(r.search.sealed.p95, r.search.plain.p95)})`,
      )
      .join("; ");
  return { name: "contacts", table, ratio, data: results };
}

export const contactsBench: Harness = { name: "contacts", run: (say) => main(say) };
