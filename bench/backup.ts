import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql, type SQL } from "drizzle-orm";
import { GENESIS_HASH, eventHash, type ChainedEvent } from "@/lib/audit/chain";
import { takeBackup } from "@/lib/backup/backup";
import { restoreBackup, type RestoreTarget } from "@/lib/backup/restore";
import { contactInputSchema } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { openDatabase, type DatabaseHandle } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { createLocalBlobStore } from "@/lib/storage";
import { fmt, markdownTable, type Harness, type HarnessResult } from "./lib/harness";
import { createScratchDatabase, postgresAnswers } from "@/lib/testing/scratch-database";

/**
 * Issue 16: backup and verified restore of a campaign with N contacts (sealed, with blind indexes and
 * name tokens) and M audit events (a real hash chain, so the restore verifies it), time and peak
 * memory, against plain pg_dump -Fc / pg_restore of the same database in the same run when
 * PostgreSQL answers on RAMPART_BENCH_PG_URL (else PGlite alone). `--contacts=N --events=M` shrink it.
 */
const BASE_URL = process.env.RAMPART_BENCH_PG_URL ?? process.env.RAMPART_TEST_PG_URL ?? "postgres://root@127.0.0.1:5432/test";
const EVENT_BATCH = 5000;
const CONTACT_BATCH = 1000;

type Say = (line: string) => void;
type Measure = { seconds: number; peakMiB: number };

function flag(argv: string[], name: string, fallback: number): number {
  const arg = argv.find((a) => a.startsWith(`--${name}=`));
  const n = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive whole number`);
  return n;
}

/** Wall time and this process's peak resident memory over `fn` (sampled every 20 ms). */
async function inProcess(fn: () => Promise<unknown>): Promise<Measure> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds: (performance.now() - t0) / 1000, peakMiB: peak / 2 ** 20 };
}

/** Wall time and peak resident memory of a command, through /usr/bin/time. */
function command(cmd: string, args: string[]): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "maxrss=%M", cmd, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      const kb = Number(/maxrss=(\d+)/.exec(err)?.[1] ?? NaN);
      if (code !== 0) return reject(new Error(`${cmd} failed: ${err.slice(0, 300)}`));
      resolve({ seconds: (performance.now() - t0) / 1000, peakMiB: kb / 1024 });
    });
  });
}


const createDatabase = () => createScratchDatabase(BASE_URL, "rampart_bench_backup");

/** Seeding as the database owner (no RLS), as the audit bench does. */
async function owner(handle: DatabaseHandle, query: SQL | string): Promise<void> {
  await handle.db.transaction(async (tx) => {
    await tx.execute(sql.raw("SET LOCAL ROLE NONE"));
    await tx.execute(typeof query === "string" ? sql.raw(query) : query);
  });
}

/** One campaign: `contacts` sealed contacts through the app's own insert path, and `events` chained audit events. */
async function seed(handle: DatabaseHandle, contacts: number, events: number, say: Say): Promise<void> {
  const orgId = randomUUID();
  const userId = randomUUID();
  await owner(handle, `INSERT INTO organizations (id, slug, name) VALUES ('${orgId}', 'bench-${orgId.slice(0, 8)}', 'Bench')`);
  await owner(handle, `INSERT INTO users (id, email, name) VALUES ('${userId}', 'owner-${userId}@bench.test', 'Bench owner')`);
  await owner(handle, `INSERT INTO memberships (org_id, user_id, role) VALUES ('${orgId}', '${userId}', 'owner')`);
  for (let done = 0; done < contacts; done += CONTACT_BATCH) {
    const n = Math.min(CONTACT_BATCH, contacts - done);
    const batch = Array.from({ length: n }, (_, i) => contactInputSchema.parse({ name: `Person ${done + i}`, email: `p${done + i}@bench.test`, notes: "bench", tags: ["bench"] }));
    await withTenant(handle.db, { orgId }, (tx) => insertContacts(tx, orgId, batch, { source: "import", createdBy: userId }));
    if ((done + n) % 20_000 === 0) say(`  … ${(done + n).toLocaleString("en-US")} contacts`);
  }
  let prevHash = GENESIS_HASH;
  const start = Date.UTC(2026, 0, 1);
  for (let from = 1; from <= events; from += EVENT_BATCH) {
    const rows: Array<ChainedEvent & { hash: string }> = [];
    for (let seq = from; seq < Math.min(events + 1, from + EVENT_BATCH); seq++) {
      const e: ChainedEvent = {
        id: randomUUID(), orgId, accountShard: 0, seq, actorKind: "member", actorId: userId, action: "contact.updated", targetType: "contact", targetId: randomUUID(),
        metadata: { fields: ["notes"] }, clientAddressHash: null, requestId: null, createdAt: new Date(start + seq * 1000), prevHash,
      };
      prevHash = eventHash(e);
      rows.push({ ...e, hash: prevHash });
    }
    const json = JSON.stringify(rows.map((r) => ({ id: r.id, org_id: r.orgId, seq: r.seq, actor_kind: r.actorKind, actor_id: r.actorId, action: r.action, target_type: r.targetType, target_id: r.targetId, metadata: r.metadata, created_at: r.createdAt.toISOString(), prev_hash: r.prevHash, hash: r.hash })));
    await owner(handle, sql`INSERT INTO audit_events SELECT * FROM json_populate_recordset(null::audit_events, ${json}::json)`);
    if ((from + EVENT_BATCH - 1) % 200_000 === 0) say(`  … ${(from + EVENT_BATCH - 1).toLocaleString("en-US")} events`);
  }
  await owner(handle, `INSERT INTO audit_chain_heads (chain_id, org_id, seq, hash, last_at) VALUES ('${orgId}', '${orgId}', ${events}, '${prevHash}', '${new Date(start + events * 1000).toISOString()}')
    ON CONFLICT (chain_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, last_at = excluded.last_at`);
}

export async function main(say: Say, argv = process.argv.slice(2)): Promise<HarnessResult> {
  const contacts = flag(argv, "contacts", 100_000);
  const events = flag(argv, "events", 1_000_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-bench-backup-"));
  const usePg = await postgresAnswers(BASE_URL);
  const source = usePg ? await createDatabase() : null;
  const handle = await openDatabase(source ? { kind: "pg", url: source.url } : { kind: "pglite", dataDir: path.join(work, "source") });
  const cleanups: Array<() => Promise<void>> = [];
  try {
    say(`${usePg ? "PostgreSQL" : "PGlite (no PostgreSQL answered)"}: seeding ${contacts.toLocaleString("en-US")} contacts and ${events.toLocaleString("en-US")} audit events`);
    await seed(handle, contacts, events, say);
    const store = createLocalBlobStore(path.join(work, "backups"));
    const blobs = createLocalBlobStore(path.join(work, "blobs"));
    const backupKey = randomBytes(32);
    let id = "";
    let bytes = 0;
    const backup = await inProcess(async () => {
      const m = await takeBackup({ db: handle.db, driver: handle.driver, target: store, blobs, backupKey });
      id = m.id;
      bytes = m.ciphertext.bytes;
    });
    say(`backup ${fmt(backup.seconds)} s, peak RSS ${fmt(backup.peakMiB, 0)} MiB, ${fmt(bytes / 2 ** 20)} MiB encrypted`);
    let into: RestoreTarget = { kind: "dir", dir: path.join(work, "restored") };
    if (usePg) {
      const target = await createDatabase();
      cleanups.push(target.drop);
      into = { kind: "url", url: target.url };
    }
    const restore = await inProcess(async () => {
      const { handle: restored } = await restoreBackup({ source: { store, id }, target: into, backupKey, blobs });
      await restored.close();
    });
    say(`verified restore ${fmt(restore.seconds)} s, peak RSS ${fmt(restore.peakMiB, 0)} MiB`);

    const rows: Array<Array<string | number>> = [
      ["Rampart backup (snapshot → OpenPGP → store, manifest)", fmt(backup.seconds), fmt(backup.peakMiB, 0), fmt(bytes / 2 ** 20)],
      ["Rampart restore + verify (decrypt check, load, counts, chains, sealed sample)", fmt(restore.seconds), fmt(restore.peakMiB, 0), "—"],
    ];
    let ratio = "ratio: pg_dump/pg_restore not measured (no PostgreSQL)";
    if (source) {
      const dumpFile = path.join(work, "plain.dump");
      const dump = await command("pg_dump", ["-Fc", "-f", dumpFile, "-d", source.url]);
      const target = await createDatabase();
      cleanups.push(target.drop);
      const restorePlain = await command("pg_restore", ["-d", target.url, "--no-owner", dumpFile]);
      rows.push(["pg_dump -Fc (unencrypted)", fmt(dump.seconds), fmt(dump.peakMiB, 0), fmt(fs.statSync(dumpFile).size / 2 ** 20)]);
      rows.push(["pg_restore (no verification)", fmt(restorePlain.seconds), fmt(restorePlain.peakMiB, 0), "—"]);
      ratio = `ratio: backup ${fmt(backup.seconds / dump.seconds)}× pg_dump's time, verified restore ${fmt(restore.seconds / restorePlain.seconds)}× pg_restore's`;
    }
    const table = markdownTable(["step", "seconds", "peak RSS MiB", "size MiB"], rows);
    return { name: "backup", table: `${contacts.toLocaleString("en-US")} contacts, ${events.toLocaleString("en-US")} audit events\n\n${table}`, ratio, data: { contacts, events, rows } };
  } finally {
    await handle.close();
    for (const c of cleanups) await c().catch(() => undefined);
    await source?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export const backupBench: Harness = { name: "backup", run: (say) => main(say) };

if (process.argv[1]?.endsWith("bench/backup.ts")) {
  main((line) => console.log(`[bench:backup] ${line}`)).then(
    (r) => console.log(`\n${r.table}\n\n${r.ratio}`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
