import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql, type SQL } from "drizzle-orm";
import { imports } from "@/db/schema";
import { contactInputSchema } from "@/lib/contacts/input";
import { normalizeEmail } from "@/lib/crypto";
import { openEncryptedFile } from "@/lib/crypto/files";
import { createLocalMasterKeyProvider, setMasterKeyProvider } from "@/lib/crypto/keyring";
import { resultRows, type Database } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { importJobHandlers } from "@/lib/imports/jobs";
import { FIXED_LIMITS, type ImportLimits } from "@/lib/imports/limits";
import { readSheet } from "@/lib/imports/read";
import { importProgress, startImport, uploadImportFile } from "@/lib/imports/service";
import { runJobsUntilIdle } from "@/lib/jobs/runner";
import { createLocalBlobStore, type BlobStore } from "@/lib/storage";
import { seedWorkspaceFixture } from "@/lib/testing/workspace";
import { asOwner, benchBackends, openPgliteBackend, type BenchBackend, type Say } from "./lib/backends";
import { fmt, markdownTable, type Harness, type HarnessResult } from "./lib/harness";

/**
 * DESIGN.md, Performance: imports in rows per second against a plain bulk insert of the same rows.
 * (a) a CSV of N contacts (50,000 by default, `--imports=N`) uploaded through file encryption and imported by the
 *     import job (batches in tenant transactions: validation, duplicate lookup by blind index, sealed fields, blind
 *     indexes, name tokens, the import's history) against the same rows, already parsed, inserted in clear in batches
 *     of 500 into the plaintext twin of contacts (createPlainTable), and into a bare table for comparison with earlier
 *     rounds;
 * (b) the memory of a large file (50 MB by default, `--import-mb=N`): RSS growth while it is uploaded through
 *     encryption, checked, and read back row by row as the job reads it (the database writes of (a) excluded);
 *     measured first, on a fresh process, so (a)'s heap does not hide it.
 * (b) on PGlite in memory; (a) on PGlite, and on PostgreSQL too when RAMPART_BENCH_PG_URL / RAMPART_TEST_PG_URL
 * names a server (bench/lib/backends.ts).
 */

const flag = (argv: string[], name: string, fallback: number) => {
  const arg = argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
};

/** Every phone unique too (bench-only numbers, never stored beyond the in-memory database): no row matches another. */
const phone = (i: number) => `+44 7${String(i).padStart(9, "0")}`;
const row = (i: number, notes = "") => `Bench Person ${i},bench.person.${i}@example.org,${phone(i)},${notes}`;

function csvStream(rows: number, notes = ""): ReadableStream<Uint8Array> {
  let i = -1;
  const encoder = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      if (i >= rows) return controller.close();
      const lines: string[] = [];
      if (i === -1) lines.push("Name,Email,Phone,Notes");
      for (let k = 0; k < 1000 && ++i < rows; k++) lines.push(row(i, notes));
      controller.enqueue(encoder.encode(lines.join("\n") + "\n"));
    },
  });
}

/**
 * The plaintext twin of contacts, as the issue's baseline asks: the same columns with the personal ones in clear, the
 * same constraints (campaign and people foreign keys, source check), the indexes a plaintext contacts table would have
 * in place of the blind ones (email, phone, external id, a name-prefix index for the name tokens), the same page, tag,
 * assignee and syncer indexes, and the contacts table's own row-level security policies, written by the same admin
 * in a tenant transaction. `bare` is the baseline earlier rounds used: one index, no constraint or policy, written by
 * the database's owner.
 */
async function createPlainTable(db: Database, table: string, shape: "twin" | "bare"): Promise<void> {
  const owner = (q: string) => asOwner(db, q);
  if (shape === "bare") {
    await owner(`CREATE TABLE ${table} (id uuid PRIMARY KEY, org_id uuid NOT NULL, name text NOT NULL, email text, phone text, notes text, created_at timestamptz NOT NULL DEFAULT now())`);
    await owner(`CREATE INDEX ${table}_email_idx ON ${table} (org_id, email)`);
    return;
  }
  await owner(`CREATE TABLE ${table} (
    id uuid PRIMARY KEY, org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name text NOT NULL, email text, phone text, address jsonb, notes text, tags text[] NOT NULL DEFAULT '{}', external_id text,
    assigned_to uuid REFERENCES users(id) ON DELETE SET NULL, synced_by uuid REFERENCES users(id) ON DELETE CASCADE,
    source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'import', 'sync', 'api')), created_by uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`);
  const indexes = [
    "(org_id, created_at, id)",
    "(org_id, email)",
    "(org_id, phone)",
    "(org_id, external_id)",
    "(org_id, lower(name) text_pattern_ops)",
    "USING gin (tags)",
    "(org_id, assigned_to) WHERE assigned_to IS NOT NULL",
    "(synced_by, org_id) WHERE synced_by IS NOT NULL",
  ];
  for (const [i, on] of indexes.entries()) await owner(`CREATE INDEX ${table}_${i}_idx ON ${table} ${on}`);
  await owner(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await owner(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
  const policies = resultRows<{ policyname: string; cmd: string; qual: string | null; with_check: string | null }>(
    await owner("SELECT policyname, cmd, qual, with_check FROM pg_policies WHERE tablename = 'contacts'"),
  );
  if (policies.length === 0) throw new Error("contacts has no policies to copy");
  for (const p of policies)
    await owner(`CREATE POLICY ${p.policyname}_twin ON ${table} FOR ${p.cmd}${p.qual ? ` USING (${p.qual})` : ""}${p.with_check ? ` WITH CHECK (${p.with_check})` : ""}`);
  await owner(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO rampart_app`);
}

type PlainForm = { shape: "twin" | "bare"; statement: "values" | "json" };

/**
 * The baseline: the same rows validated and inserted in clear, 500 to a statement. `values` is the usual multi-row
 * VALUES list (the issue's baseline); `json` sends each batch as one JSON parameter, as the import path itself does,
 * to show how much of the gap is the statement form rather than the security.
 */
async function plainInsert(db: Database, who: { orgId: string; userId: string }, rows: number, form: PlainForm): Promise<number> {
  const table = `bench_plain_imports_${form.shape}_${form.statement}`;
  await createPlainTable(db, table, form.shape);
  const twin = form.shape === "twin";
  const run = (query: SQL) => (twin ? withTenant(db, who, (tx) => tx.execute(query)) : asOwner(db, query));
  const t = performance.now();
  for (let start = 0; start < rows; start += 500) {
    const batch = [];
    for (let i = start; i < Math.min(rows, start + 500); i++) {
      const v = contactInputSchema.parse({ name: `Bench Person ${i}`, email: `bench.person.${i}@example.org`, phone: phone(i) });
      batch.push({ id: randomUUID(), org_id: who.orgId, name: v.name, email: normalizeEmail(v.email!), phone: v.phone ?? null, notes: null });
    }
    const [columns, more] = twin ? [sql.raw("id, org_id, name, email, phone, notes, source, created_by"), sql`, 'import', ${who.userId}::uuid`] : [sql.raw("id, org_id, name, email, phone, notes"), sql``];
    if (form.statement === "values")
      await run(sql`insert into ${sql.raw(table)} (${columns}) values ${sql.join(batch.map((b) => sql`(${b.id}, ${b.org_id}, ${b.name}, ${b.email}, ${b.phone}, ${b.notes}${more})`), sql`, `)}`);
    else
      await run(
        sql`insert into ${sql.raw(table)} (${columns}) select r.*${more} from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as r(id uuid, org_id uuid, name text, email text, phone text, notes text)`,
      );
  }
  return performance.now() - t;
}

type ImportRun = { backend: string; importMs: number; uploadMs: number; importRate: number; plainRate: number; plainJsonRate: number; bareRate: number; ratio: number };

/** (a) on one backend: upload, import job, then the two plain baselines, in one run. */
async function importOn(b: BenchBackend, store: BlobStore, rows: number, limits: ImportLimits, say: Say): Promise<ImportRun> {
  const f = await seedWorkspaceFixture(b.db, "bench-imports");
  const admin = { orgId: f.orgA, userId: f.admin };
  say(`(a) ${b.short}: importing ${rows.toLocaleString("en-US")} rows through upload, mapping and the import job`);
  let t = performance.now();
  const { id } = await uploadImportFile(b.db, store, admin, { name: "bench.csv", body: csvStream(rows) }, limits);
  const uploadMs = performance.now() - t;
  await withTenant(b.db, admin, (tx) => startImport(tx, admin, id, { mapping: { "0": "name", "1": "email", "2": "phone", "3": "notes" }, duplicates: "skip", listId: null, tags: [] }));
  t = performance.now();
  await runJobsUntilIdle(b.db, { handlers: importJobHandlers(store) });
  const importMs = performance.now() - t;
  const done = await withTenant(b.db, admin, (tx) => importProgress(tx, f.orgA, id));
  if (done.status !== "succeeded" || done.created !== rows) throw new Error(`the import ended ${done.status} with ${done.created} created`);
  say(`    upload and check ${fmt(uploadMs / 1000)} s, import job ${fmt(importMs / 1000)} s`);
  const rate = async (form: PlainForm) => rows / ((await plainInsert(b.db, admin, rows, form)) / 1000);
  const plainRate = await rate({ shape: "twin", statement: "values" });
  const plainJsonRate = await rate({ shape: "twin", statement: "json" });
  const bareRate = await rate({ shape: "bare", statement: "values" });
  const importRate = rows / (importMs / 1000);
  return { backend: b.short, importMs, uploadMs, importRate, plainRate, plainJsonRate, bareRate, ratio: importRate / plainRate };
}

async function main(say: Say, argv = process.argv.slice(2)): Promise<HarnessResult> {
  const rows = flag(argv, "imports", 50_000);
  const bigMb = flag(argv, "import-mb", 50);
  setMasterKeyProvider(createLocalMasterKeyProvider([{ id: "bench", key: randomBytes(32) }], "bench"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-bench-imports-"));
  const store = createLocalBlobStore(path.join(dir, "blobs"));
  const limits: ImportLimits = { maxBytes: (bigMb + 10) * 1024 * 1024, maxRows: 1_000_000, ...FIXED_LIMITS, maxInflatedBytes: 1024 * 1024 * 1024 };
  try {
    const memory = await openPgliteBackend();
    let big: { bytes: number; growthMiB: number; rssMiB: string };
    try {
      const f = await seedWorkspaceFixture(memory.db, "bench-imports-memory");
      big = await memoryOfBigFile(memory.db, store, { orgId: f.orgA, userId: f.admin }, bigMb, limits, say);
    } finally {
      await memory.close();
    }
    const runs: ImportRun[] = [];
    for (const open of await benchBackends("rampart_bench_imports", say)) {
      const b = await open();
      try {
        runs.push(await importOn(b, store, rows, limits, say));
      } finally {
        await b.close();
      }
    }
    const table = markdownTable(
      ["backend", "measure", "import path", "plain bulk insert", "ratio"],
      [
        ...runs.flatMap((r) => [
          [r.backend, `${rows.toLocaleString("en-US")} rows, rows/s (plain: the plaintext twin, multi-row VALUES, 500 a statement, as the admin)`, fmt(r.importRate, 0), fmt(r.plainRate, 0), `**${fmt(r.ratio, 2)}×**`],
          [r.backend, "the same, plain: the twin, one JSON parameter a statement", fmt(r.importRate, 0), fmt(r.plainJsonRate, 0), `${fmt(r.importRate / r.plainJsonRate, 2)}×`],
          [r.backend, "the same, plain: a bare table (one index, no constraint or policy, as owner; earlier rounds' baseline)", fmt(r.importRate, 0), fmt(r.bareRate, 0), `${fmt(r.importRate / r.bareRate, 2)}×`],
          [r.backend, `upload + check of the ${rows.toLocaleString("en-US")}-row file`, `${fmt(r.uploadMs / 1000)} s`, "—", "—"],
        ]),
        ["PGlite", `RSS growth, ${fmt(big.bytes / 2 ** 20, 0)} MB file (upload, check, read back)`, `${fmt(big.growthMiB)} MiB (${big.rssMiB})`, "—", "—"],
      ],
    );
    const ratios = runs.map((r) => `${fmt(r.ratio, 2)}× on ${r.backend} (${fmt(r.importRate, 0)} vs ${fmt(r.plainRate, 0)} rows/s; ${fmt(r.importRate / r.bareRate, 2)}× of a bare table)`).join(", ");
    return {
      name: "imports",
      table,
      ratio: `ratio: imports ${ratios} of a plain bulk insert into the plaintext twin; RSS growth ${fmt(big.growthMiB)} MiB for a ${fmt(big.bytes / 2 ** 20, 0)} MB file`,
      data: { rows, runs, bigFileBytes: big.bytes, rssGrowthMiB: big.growthMiB },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** (b) RSS growth while a big file is uploaded through encryption, checked, and read back row by row (no database writes). */
async function memoryOfBigFile(db: Database, store: BlobStore, admin: { orgId: string; userId: string }, bigMb: number, limits: ImportLimits, say: Say) {
  say(`(b) memory of a ${bigMb} MB file: upload through encryption, check, read back row by row`);
  const notes = "x".repeat(200);
  const bigRows = Math.ceil((bigMb * 1024 * 1024) / (row(0, notes).length + 1));
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  let samples = 0;
  const sampler = setInterval(() => {
    samples++;
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const big = await uploadImportFile(db, store, admin, { name: "big.csv", body: csvStream(bigRows, notes) }, limits);
  const [bigRow] = await withTenant(db, admin, (tx) => tx.select({ fileId: imports.uploadFileId, size: imports.fileSize }).from(imports).where(eq(imports.id, big.id)));
  let read = 0;
  for await (const r of readSheet(async () => (await openEncryptedFile(db, store, admin, bigRow!.fileId!)).stream, "csv", { encoding: "utf-8", limits, fileSize: bigRow!.size })) read += r.cells.length > 0 ? 1 : 0;
  clearInterval(sampler);
  const growthMiB = (peak - rss0) / 2 ** 20;
  const rssMiB = `${fmt(rss0 / 2 ** 20, 0)} → peak ${fmt(peak / 2 ** 20, 0)} MiB`;
  say(`    ${fmt(bigRow!.size / 2 ** 20)} MB, ${(read - 1).toLocaleString("en-US")} rows read; RSS ${rssMiB} (${samples} samples)`);
  return { bytes: bigRow!.size, growthMiB, rssMiB };
}

export const importsBench: Harness = { name: "imports", run: (say) => main(say) };
