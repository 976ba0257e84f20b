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
import { openDatabase, type Database } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { importJobHandlers } from "@/lib/imports/jobs";
import { FIXED_LIMITS, type ImportLimits } from "@/lib/imports/limits";
import { readSheet } from "@/lib/imports/read";
import { importProgress, startImport, uploadImportFile } from "@/lib/imports/service";
import { runJobsUntilIdle } from "@/lib/jobs/runner";
import { createLocalBlobStore } from "@/lib/storage";
import { seedWorkspaceFixture } from "@/lib/testing/workspace";
import { fmt, markdownTable, type Harness, type HarnessResult } from "./lib/harness";

/**
 * DESIGN.md, Performance: imports in rows per second against a plain bulk insert of the same rows.
 * (a) a CSV of N contacts (50,000 by default, `--imports=N`) uploaded through file encryption and imported by the
 *     import job (batches in tenant transactions: validation, duplicate lookup by blind index, sealed fields, blind
 *     indexes, name tokens, the per-row history) against the same rows, already parsed, inserted in clear in batches
 *     of 500 into a plaintext twin table;
 * (b) the memory of a large file (50 MB by default, `--import-mb=N`): RSS growth while it is uploaded through
 *     encryption, checked, and read back row by row as the job reads it (the database writes of (a) excluded);
 *     measured first, on a fresh process, so (a)'s heap does not hide it.
 * PGlite in memory.
 */
type Say = (line: string) => void;

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

/** Statements of the database's owner (the twin table and its inserts): the connecting role, outside row-level security. */
const asOwner = (db: Database, query: SQL) =>
  db.transaction(async (tx) => {
    await tx.execute(sql.raw("SET LOCAL ROLE NONE"));
    return tx.execute(query);
  });

/**
 * The baseline: the same rows validated and inserted in clear, 500 to a statement, into a twin table. `values` is
 * the usual multi-row VALUES list (the issue's baseline); `json` sends each batch as one JSON parameter, as the
 * import path itself now does, to show how much of the gap is the statement form rather than the security.
 */
async function plainInsert(db: Database, orgId: string, rows: number, form: "values" | "json"): Promise<number> {
  const table = `bench_plain_imports_${form}`;
  await asOwner(db, sql.raw(`CREATE TABLE ${table} (id uuid PRIMARY KEY, org_id uuid NOT NULL, name text NOT NULL, email text, phone text, notes text, created_at timestamptz NOT NULL DEFAULT now())`));
  await asOwner(db, sql.raw(`CREATE INDEX ${table}_email_idx ON ${table} (org_id, email)`));
  const t = performance.now();
  for (let start = 0; start < rows; start += 500) {
    const batch = [];
    for (let i = start; i < Math.min(rows, start + 500); i++) {
      const v = contactInputSchema.parse({ name: `Bench Person ${i}`, email: `bench.person.${i}@example.org`, phone: phone(i) });
      batch.push({ id: randomUUID(), org_id: orgId, name: v.name, email: normalizeEmail(v.email!), phone: v.phone ?? null, notes: null });
    }
    if (form === "values")
      await asOwner(db, sql`insert into ${sql.raw(table)} (id, org_id, name, email, phone, notes) values ${sql.join(batch.map((b) => sql`(${b.id}, ${b.org_id}, ${b.name}, ${b.email}, ${b.phone}, ${b.notes})`), sql`, `)}`);
    else
      await asOwner(
        db,
        sql`insert into ${sql.raw(table)} (id, org_id, name, email, phone, notes) select r.* from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as r(id uuid, org_id uuid, name text, email text, phone text, notes text)`,
      );
  }
  return performance.now() - t;
}

async function main(say: Say, argv = process.argv.slice(2)): Promise<HarnessResult> {
  const rows = flag(argv, "imports", 50_000);
  const bigMb = flag(argv, "import-mb", 50);
  setMasterKeyProvider(createLocalMasterKeyProvider([{ id: "bench", key: randomBytes(32) }], "bench"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-bench-imports-"));
  const handle = await openDatabase({ kind: "pglite", dataDir: "memory://" });
  try {
    const store = createLocalBlobStore(path.join(dir, "blobs"));
    const f = await seedWorkspaceFixture(handle.db, "bench-imports");
    const admin = { orgId: f.orgA, userId: f.admin };
    const limits: ImportLimits = { maxBytes: (bigMb + 10) * 1024 * 1024, maxRows: 1_000_000, ...FIXED_LIMITS, maxInflatedBytes: 1024 * 1024 * 1024 };

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
    const big = await uploadImportFile(handle.db, store, admin, { name: "big.csv", body: csvStream(bigRows, notes) }, limits);
    const [bigRow] = await withTenant(handle.db, admin, (tx) => tx.select({ fileId: imports.uploadFileId, size: imports.fileSize }).from(imports).where(eq(imports.id, big.id)));
    let read = 0;
    for await (const r of readSheet(async () => (await openEncryptedFile(handle.db, store, admin, bigRow!.fileId!)).stream, "csv", { encoding: "utf-8", limits, fileSize: bigRow!.size })) read += r.cells.length > 0 ? 1 : 0;
    clearInterval(sampler);
    const growthMiB = (peak - rss0) / 2 ** 20;
    const rssMiB = `${fmt(rss0 / 2 ** 20, 0)} → peak ${fmt(peak / 2 ** 20, 0)} MiB`;
    say(`    ${fmt(bigRow!.size / 2 ** 20)} MB, ${(read - 1).toLocaleString("en-US")} rows read; RSS ${rssMiB} (${samples} samples)`);

    say(`(a) importing ${rows.toLocaleString("en-US")} rows through upload, mapping and the import job`);
    let t = performance.now();
    const { id } = await uploadImportFile(handle.db, store, admin, { name: "bench.csv", body: csvStream(rows) }, limits);
    const uploadMs = performance.now() - t;
    await withTenant(handle.db, admin, (tx) => startImport(tx, admin, id, { mapping: { "0": "name", "1": "email", "2": "phone", "3": "notes" }, duplicates: "skip", listId: null, tags: [] }));
    t = performance.now();
    await runJobsUntilIdle(handle.db, { handlers: importJobHandlers(store) });
    const importMs = performance.now() - t;
    const done = await withTenant(handle.db, admin, (tx) => importProgress(tx, f.orgA, id));
    if (done.status !== "succeeded" || done.created !== rows) throw new Error(`the import ended ${done.status} with ${done.created} created`);
    say(`    upload and check ${fmt(uploadMs / 1000)} s, import job ${fmt(importMs / 1000)} s`);
    const plainMs = await plainInsert(handle.db, f.orgB, rows, "values");
    const plainJsonMs = await plainInsert(handle.db, f.orgB, rows, "json");
    const importRate = rows / (importMs / 1000);
    const plainRate = rows / (plainMs / 1000);
    const plainJsonRate = rows / (plainJsonMs / 1000);
    const ratio = importRate / plainRate;

    const table = markdownTable(
      ["measure", "import path", "plain bulk insert", "ratio"],
      [
        [`${rows.toLocaleString("en-US")} rows, rows/s`, fmt(importRate, 0), fmt(plainRate, 0), `${fmt(ratio, 2)}×`],
        [`the same, plain insert one JSON parameter per batch`, fmt(importRate, 0), fmt(plainJsonRate, 0), `${fmt(importRate / plainJsonRate, 2)}×`],
        [`upload + check of the ${rows.toLocaleString("en-US")}-row file`, `${fmt(uploadMs / 1000)} s`, "—", "—"],
        [`RSS growth, ${fmt(bigRow!.size / 2 ** 20, 0)} MB file (upload, check, read back)`, `${fmt(growthMiB)} MiB (${rssMiB})`, "—", "—"],
      ],
    );
    return {
      name: "imports",
      table,
      ratio: `ratio: imports ${fmt(ratio, 2)}× the rows/s of a plain bulk insert (${fmt(importRate, 0)} vs ${fmt(plainRate, 0)} rows/s, PGlite); RSS growth ${fmt(growthMiB)} MiB for a ${fmt(bigRow!.size / 2 ** 20, 0)} MB file`,
      data: { rows, importMs, plainMs, plainJsonMs, uploadMs, importRate, plainRate, plainJsonRate, ratio, bigFileBytes: bigRow!.size, rssGrowthMiB: growthMiB },
    };
  } finally {
    await handle.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const importsBench: Harness = { name: "imports", run: (say) => main(say) };
