import { randomBytes, randomUUID } from "node:crypto";
import os from "node:os";
import { and, arrayContains, desc, eq, sql, type SQL } from "drizzle-orm";
import { contacts, memberships, organizations, users } from "@/db/schema";
import { contactInputSchema, type ContactValues } from "@/lib/contacts/input";
import { contactTagsInUse, listContacts, type ContactListQuery } from "@/lib/contacts/list-contacts";
import { listContactLists } from "@/lib/contacts/lists";
import { contactReachOutColumns, openContactRows } from "@/lib/contacts/read-models";
import { searchCondition } from "@/lib/contacts/search";
import { visibleContacts, type ContactViewer } from "@/lib/contacts/visibility";
import { insertContacts } from "@/lib/contacts/write-rows";
import { createLocalMasterKeyProvider, setMasterKeyProvider } from "@/lib/crypto/keyring";
import { resultRows, type Transaction } from "@/lib/db/client";
import { withSystem, withTenant } from "@/lib/db/tenant";
import { asOwner, benchBackends, type BenchBackend as Backend } from "./lib/backends";
import { fmt, markdownTable, type Harness, type HarnessResult } from "./lib/harness";

/**
 * Issue 14, target 5: flat cost at a million contacts. One campaign of N contacts (1,000,000 by default, `--scale=N`
 * shrinks it) plus a noise campaign of N/5; then, as the campaign's admin in a tenant transaction, the list page's
 * first page, last (oldest) page, a tag filter and an email search, each as a ratio to the first page:
 *   before: the old query shape (count(*) over every match, then ORDER BY … OFFSET), timed in this same run;
 *   after:  listContacts itself (keyset on (created_at, id), count capped at 10,000).
 * Loading: REAL contacts are sealed through insertContacts (half the oldest, half the newest of the campaign); the
 * rest are copies made in SQL (INSERT … SELECT generate_series, as the owner) with new ids, dates between the two
 * halves, a random email index and no name tokens. Sealed fields are bound to their row's id, so copies would not
 * decrypt: every page measured here shows real rows only (newest, oldest, a tag among the newest, a real email).
 */
const DEFAULT_SCALE = 1_000_000;
const REAL = 2_000;
const COPY_CHUNK = 100_000;
const TAG = "donor";

type Say = (line: string) => void;
type Stats = { runs: number; p50: number; p95: number };
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const stats = (xs: number[]): Stats => ({ runs: xs.length, p50: quantile(xs, 0.5), p95: quantile(xs, 0.95) });

const QUERIES = ["first", "last", "tag", "email"] as const;
type Query = (typeof QUERIES)[number];
const LABEL: Record<Query, string> = { first: "first page", last: "last page", tag: `tag filter "${TAG}" (10%)`, email: "email search" };

function realContact(i: number): ContactValues {
  return contactInputSchema.parse({
    name: `Scale Person ${i}`,
    email: `scale.person.${i}@example.org`,
    phone: `+44 20 7946 ${String(i % 10_000).padStart(4, "0")}`,
    address: { line1: `${(i % 180) + 1} Mill Road`, city: "Leeds", postcode: "LS1 4AP", country: "United Kingdom" },
    tags: i % 10 === 0 ? [TAG, "ward-3"] : i % 2 === 0 ? ["ward-3"] : ["ward-5"],
  });
}

/** The old listContacts, kept here as the baseline: count(*) over every match, then OFFSET into the ordered rows. */
async function offsetPage(tx: Transaction, viewer: ContactViewer, query: { q?: string; tag?: string; page: number }) {
  const conditions: SQL[] = [visibleContacts(viewer)];
  if (query.q) conditions.push((await searchCondition(tx, viewer.orgId, query.q, "email"))!);
  if (query.tag) conditions.push(arrayContains(contacts.tags, [query.tag]));
  const where = and(...conditions);
  const [{ total }] = (await tx.select({ total: sql<number>`count(*)::int` }).from(contacts).where(where)) as [{ total: number }];
  const rows = await tx
    .select({ ...contactReachOutColumns, syncedBy: contacts.syncedBy, createdAt: contacts.createdAt, tags: contacts.tags, source: contacts.source, assignedTo: contacts.assignedTo, assigneeName: users.name })
    .from(contacts)
    .leftJoin(users, eq(users.id, contacts.assignedTo))
    .where(where)
    .orderBy(desc(contacts.createdAt), desc(contacts.id))
    .limit(50)
    .offset((query.page - 1) * 50);
  return { total: Number(total), rows: await openContactRows(tx, rows) };
}

type BackendResult = {
  backend: string;
  short: string;
  contacts: number;
  noise: number;
  loadSeconds: number;
  before: Record<Query, Stats>;
  after: Record<Query, Stats>;
  extras: { tagsInUse: Stats; lists: Stats };
};

async function runOn(b: Backend, scale: number, say: Say): Promise<BackendResult> {
  const t0 = performance.now();
  const orgId = randomUUID();
  const noiseOrg = randomUUID();
  const adminId = randomUUID();
  await withSystem(b.db, async (tx) => {
    await tx.insert(organizations).values([
      { id: orgId, slug: `scale-${orgId.slice(0, 8)}`, name: "Scale" },
      { id: noiseOrg, slug: `noise-${noiseOrg.slice(0, 8)}`, name: "Noise" },
    ]);
    await tx.insert(users).values({ id: adminId, email: `admin-${adminId}@bench.test`, name: "Scale Admin" });
    await tx.insert(memberships).values([
      { orgId, userId: adminId, role: "admin" },
      { orgId: noiseOrg, userId: adminId, role: "admin" },
    ]);
  });
  const viewer: ContactViewer = { orgId, userId: adminId, role: "admin" };
  const asAdmin = <T>(fn: (tx: Transaction) => Promise<T>) => withTenant(b.db, { orgId, userId: adminId }, fn);
  const real = Math.min(REAL, Math.floor(scale / 2));
  const half = Math.floor(real / 2);
  const owner = (q: SQL | string) => asOwner(b.db, q);

  say(`${b.short}: sealing ${real.toLocaleString("en-US")} real contacts through insertContacts…`);
  const seal = async (from: number, to: number) => {
    for (let s = from; s < to; s += 1_000) {
      const values = Array.from({ length: Math.min(1_000, to - s) }, (_, k) => realContact(s + k));
      await withTenant(b.db, { orgId }, (tx) => insertContacts(tx, orgId, values, { source: "import", createdBy: adminId }));
    }
  };
  await seal(0, half);
  // The first half become the campaign's oldest contacts (one microsecond apart from 2001 on).
  await owner(sql`update contacts c set created_at = timestamptz '2001-01-01' + o.n * interval '1 microsecond'
    from (select id, row_number() over (order by id) as n from contacts where org_id = ${orgId}) o where c.id = o.id`);

  // Bench-only speed-up: secondary indexes dropped during the bulk copy and built once afterwards (a sorted build).
  const indexes = resultRows<{ indexname: string; indexdef: string }>(
    await owner(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'contacts'
      AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))`),
  );
  for (const i of indexes) await owner(`DROP INDEX ${i.indexname}`);
  const copies = scale - real;
  const noise = Math.floor(scale / 5);
  const copy = async (target: string, n: number, label: string) => {
    for (let done = 0; done < n; done += COPY_CHUNK) {
      const m = Math.min(COPY_CHUNK, n - done);
      // Each copy: a sealed row of the campaign again under a new id, dated between 2002 and now, its email index random.
      await owner(sql`insert into contacts (id, org_id, card, name, email, phone, address, notes, email_index, phone_index, tags, source, created_by, created_at, updated_at)
        select gen_random_uuid(), ${target}::uuid, c.card, c.name, c.email, c.phone, c.address, c.notes, decode(md5(g::text || c.id::text || ${label}), 'hex'), null, c.tags, c.source, c.created_by,
               timestamptz '2002-01-01' + ((${done}::bigint + g) * interval '1 second') + (c.n * interval '1 microsecond'), now()
        from (select *, row_number() over (order by id) as n from contacts where org_id = ${orgId} order by id limit ${half}) c,
             generate_series(1, ${Math.ceil(m / half)}) g
        limit ${m}`);
      say(`  … ${label}: ${(done + m).toLocaleString("en-US")} of ${n.toLocaleString("en-US")} copies`);
    }
  };
  await copy(orgId, copies, "campaign");
  await copy(noiseOrg, noise, "noise");
  say(`${b.short}: building ${indexes.length} indexes…`);
  for (const i of indexes) await owner(i.indexdef);
  // The second half: the newest contacts, through the indexes like any write.
  await seal(half, real);
  await owner("ANALYZE contacts");
  const [{ n: counted }] = resultRows<{ n: number }>(await owner(sql`select count(*)::int as n from contacts where org_id = ${orgId}`)) as [{ n: number }];
  const loadSeconds = (performance.now() - t0) / 1000;
  say(`${b.short}: ${counted.toLocaleString("en-US")} contacts in the campaign, ${noise.toLocaleString("en-US")} in the noise one, loaded in ${fmt(loadSeconds, 0)} s`);

  const email = realContact(real - 7).email!.toUpperCase();
  const oldLastPage = Math.ceil(counted / 50);
  const newQuery: Record<Query, ContactListQuery> = { first: {}, last: { position: "last" }, tag: { tag: TAG }, email: { q: email } };
  const oldQuery: Record<Query, { q?: string; tag?: string; page: number }> = { first: { page: 1 }, last: { page: oldLastPage }, tag: { tag: TAG, page: 1 }, email: { q: email, page: 1 } };

  // Both shapes must show the same rows before anything is timed.
  for (const q of QUERIES) {
    const [now, old] = await asAdmin(async (tx) => [await listContacts(tx, viewer, newQuery[q]), await offsetPage(tx, viewer, oldQuery[q])] as const);
    const want = q === "email" ? 1 : 50;
    if (now.rows.length !== want || old.rows.length === 0 || (q !== "last" && old.rows.length !== want)) throw new Error(`${q}: ${now.rows.length} rows now, ${old.rows.length} before (want ${want})`);
    if (q !== "last" && now.rows.map((r) => r.id).join() !== old.rows.map((r) => r.id).join()) throw new Error(`${q}: the two shapes disagree`);
    if (q === "last" && !old.rows.every((r) => now.rows.some((x) => x.id === r.id))) throw new Error("last: the old last page is not within the oldest 50");
    if (!now.rows.every((r) => r.name.startsWith("Scale Person"))) throw new Error(`${q}: a row did not decrypt`);
  }

  const oldRounds = scale >= 500_000 ? 10 : 20;
  const newRounds = 60;
  const time = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  const measure = async (rounds: number, run: (q: Query) => Promise<unknown>) => {
    const samples: Record<Query, number[]> = { first: [], last: [], tag: [], email: [] };
    for (const q of QUERIES) await run(q); // warm-up
    // Round-robin over the four queries, so drift in the machine's load falls on all of them alike.
    for (let r = 0; r < rounds; r++) for (const q of QUERIES) samples[q].push(await time(() => run(q)));
    return Object.fromEntries(QUERIES.map((q) => [q, stats(samples[q])])) as Record<Query, Stats>;
  };
  say(`${b.short}: before (count(*) + OFFSET), ${oldRounds} rounds…`);
  const before = await measure(oldRounds, (q) => asAdmin((tx) => offsetPage(tx, viewer, oldQuery[q])));
  say(`${b.short}: after (keyset, capped count), ${newRounds} rounds…`);
  const after = await measure(newRounds, (q) => asAdmin((tx) => listContacts(tx, viewer, newQuery[q])));
  say(`${b.short}: the page's other reads (tags in use, lists)…`);
  const extra = { tagsInUse: [] as number[], lists: [] as number[] };
  for (let r = 0; r < 5; r++) {
    extra.tagsInUse.push(await time(() => asAdmin((tx) => contactTagsInUse(tx, viewer))));
    extra.lists.push(await time(() => asAdmin((tx) => listContactLists(tx, viewer))));
  }
  return { backend: b.name, short: b.short, contacts: counted, noise, loadSeconds, before, after, extras: { tagsInUse: stats(extra.tagsInUse), lists: stats(extra.lists) } };
}

function scaleOf(argv: string[]): number {
  const arg = argv.find((a) => a.startsWith("--scale="));
  if (!arg) return DEFAULT_SCALE;
  const n = Number(arg.slice("--scale=".length));
  if (!Number.isInteger(n) || n < 10_000 || n > 5_000_000) throw new Error("--scale must be a whole number from 10000 to 5000000");
  return n;
}

export type ScaleBenchResult = HarnessResult & { data: BackendResult[] };

export async function main(say: Say, argv = process.argv.slice(2)): Promise<ScaleBenchResult> {
  const scale = scaleOf(argv);
  setMasterKeyProvider(createLocalMasterKeyProvider([{ id: "bench", key: randomBytes(32) }], "bench")); // never the key file of .data/
  const opens = await benchBackends("rampart_bench_scale", say);
  const results: BackendResult[] = [];
  for (const open of opens) {
    const b = await open();
    try {
      results.push(await runOn(b, scale, say));
      say(`load average now ${os.loadavg()[0]!.toFixed(2)}`);
    } finally {
      await b.close();
    }
  }
  const ms = (s: Stats) => `${fmt(s.p50, 1)} / ${fmt(s.p95, 1)}`;
  const x = (a: number, base: number) => `${fmt(a / base, 2)}×`;
  const table = [
    markdownTable(
      ["backend", "query", "before p50 / p95 ms", "before ratio to first page (p50 / p95)", "after p50 / p95 ms", "**after ratio to first page (p50 / p95)**"],
      results.flatMap((r) =>
        QUERIES.map((q) => [
          r.short,
          LABEL[q],
          ms(r.before[q]),
          `${x(r.before[q].p50, r.before.first.p50)} / ${x(r.before[q].p95, r.before.first.p95)}`,
          ms(r.after[q]),
          `**${x(r.after[q].p50, r.after.first.p50)} / ${x(r.after[q].p95, r.after.first.p95)}**`,
        ]),
      ),
    ),
    "",
    markdownTable(
      ["backend", "campaign / noise contacts", "load s", "tags in use p50 ms", "lists with member counts p50 ms"],
      results.map((r) => [r.backend, `${r.contacts.toLocaleString("en-US")} / ${r.noise.toLocaleString("en-US")}`, fmt(r.loadSeconds, 0), fmt(r.extras.tagsInUse.p50, 1), fmt(r.extras.lists.p50, 1)]),
    ),
    "",
    "Each query in its own tenant transaction as the campaign's admin (RLS on), 50 rows decrypted per page; before = count(*) + OFFSET (the old listContacts), after = listContacts (keyset, count capped at 10,000).",
  ].join("\n");
  const ratio =
    "ratio: scale " +
    results
      .map(
        (r) =>
          `${r.short} at ${r.contacts.toLocaleString("en-US")}: after p95 last ${x(r.after.last.p95, r.after.first.p95)}, tag ${x(r.after.tag.p95, r.after.first.p95)}, email ${x(r.after.email.p95, r.after.first.p95)} of the first page (${fmt(r.after.first.p95, 1)} ms); ` +
          `before last ${x(r.before.last.p95, r.before.first.p95)}, tag ${x(r.before.tag.p95, r.before.first.p95)}, email ${x(r.before.email.p95, r.before.first.p95)} of ${fmt(r.before.first.p95, 1)} ms`,
      )
      .join("; ");
  return { name: "scale", table, ratio, data: results };
}

export const scaleBench: Harness = { name: "scale", run: (say) => main(say) };
