import "server-only";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { eq, getTableColumns, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import pg from "pg";
import { verifyAuditChains } from "@/lib/audit/verify";
import { chainName } from "@/lib/audit/chain";
import { decryptStream } from "@/lib/crypto/pgp/stream";
import { sealedTables } from "@/lib/crypto/sealed-tables";
import { openDatabase, resultRows, type Database, type DatabaseHandle } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import type { BlobStore } from "@/lib/storage/blob-store";
import { backupStreamName, hashing } from "./backup";
import { EscrowKeys, escrowUnwrap } from "./escrow";
import { RestoreRefusedError, RestoreVerificationError } from "./errors";
import { backupSubkey } from "./key";
import { backupBlobKey, manifestBlobKey, readManifest, type BackupManifest } from "./manifest";
import { enterOwnerScope, listTables, migrationState } from "./snapshot";

const INSERT_ROWS = 500;
const SAMPLE_ROWS_PER_TABLE = 5;

export type RestoreSource = { store: BlobStore; id: string };
/** An empty PostgreSQL database, an empty (or absent) PGlite data directory, or an in-memory PGlite for checks. */
export type RestoreTarget = { kind: "url"; url: string } | { kind: "dir"; dir: string } | { kind: "memory" };

export type RestoreReport = {
  id: string;
  rows: number;
  tables: number;
  chains: number;
  events: number;
  sealedValuesOpened: number;
  /** Campaigns deleted since the backup: their escrow key is gone, so their keys were restored as destroyed. */
  shreddedCampaigns: string[];
};

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part);
  return Buffer.concat(parts).toString("utf8");
}

const damaged = (id: string, why: string) =>
  new RestoreRefusedError(`Backup ${id} is damaged or truncated (${why}); it was refused and nothing was restored.`);

/** The backup's manifest, authenticated with the backup key. */
export async function loadManifest(source: RestoreSource, backupKey: Buffer): Promise<BackupManifest> {
  const stream = await source.store.get(manifestBlobKey(source.id));
  if (!stream) throw new RestoreRefusedError(`No backup ${source.id} in the backup store (its manifest is missing).`);
  try {
    return readManifest(backupKey, await readAll(stream));
  } catch (err) {
    throw damaged(source.id, (err as Error).message);
  }
}

/**
 * The backup's plaintext lines, decrypted as they stream (only authenticated chunks come out);
 * after the last line both SHA-256 digests and sizes are checked against the manifest.
 */
async function* backupLines(source: RestoreSource, manifest: BackupManifest, backupKey: Buffer): AsyncGenerator<string> {
  const blob = await source.store.get(backupBlobKey(source.id));
  if (!blob) throw new RestoreRefusedError(`Backup ${source.id} has a manifest but no data file; it cannot be restored.`);
  const cipher = { hash: createHash("sha256"), bytes: 0 };
  const plain = { hash: createHash("sha256"), bytes: 0 };
  const stream = hashing(decryptStream(backupSubkey(backupKey, "stream", source.id), hashing(blob, cipher), backupStreamName(source.id)), plain);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let rest = "";
  try {
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      const text = rest + decoder.decode(chunk, { stream: true });
      const lines = text.split("\n");
      rest = lines.pop()!;
      yield* lines;
    }
    rest += decoder.decode();
  } catch (err) {
    if (err instanceof RestoreRefusedError) throw err;
    throw damaged(source.id, (err as Error).message);
  }
  if (rest !== "") throw damaged(source.id, "the last line is cut");
  if (cipher.bytes !== manifest.ciphertext.bytes || cipher.hash.digest("hex") !== manifest.ciphertext.sha256) throw damaged(source.id, "its SHA-256 differs from the manifest");
  if (plain.bytes !== manifest.plaintext.bytes || plain.hash.digest("hex") !== manifest.plaintext.sha256) throw damaged(source.id, "its content differs from the manifest");
}

type Block = { table: string; rows: string[] } | { end: string; rows: number } | { total: number };

/** Groups lines into row batches per table, checking the framing and every count against the manifest. */
async function* backupBatches(lines: AsyncIterable<string>, manifest: BackupManifest, id: string): AsyncGenerator<Block> {
  const expected = new Map(manifest.tables.map((t) => [t.name, t.rows]));
  const seen = new Set<string>();
  let table: string | null = null;
  let batch: string[] = [];
  let rows = 0;
  let total = 0;
  let ended = false;
  for await (const line of lines) {
    if (ended) throw damaged(id, "data after its end");
    if (line.startsWith("{")) {
      if (!table) throw damaged(id, "a row outside any table");
      batch.push(line);
      rows++;
      if (batch.length >= INSERT_ROWS) {
        yield { table, rows: batch };
        batch = [];
      }
    } else if (line.startsWith("T ")) {
      if (table) throw damaged(id, `table ${table} is not closed`);
      table = line.slice(2);
      if (!expected.has(table) || seen.has(table)) throw damaged(id, `unexpected table ${table}`);
      seen.add(table);
      rows = 0;
    } else if (line.startsWith("E ")) {
      const [name, count] = line.slice(2).split(" ");
      if (!table || name !== table || Number(count) !== rows || expected.get(table) !== rows) throw damaged(id, `the row count of ${name} differs from the manifest`);
      if (batch.length) yield { table, rows: batch };
      batch = [];
      yield { end: table, rows };
      total += rows;
      table = null;
    } else if (line.startsWith("Z ")) {
      if (table || Number(line.slice(2)) !== total || seen.size !== expected.size) throw damaged(id, "its tables are incomplete");
      ended = true;
      yield { total };
    } else {
      throw damaged(id, "an unreadable line");
    }
  }
  if (!ended) throw damaged(id, "it ends early");
}

/** Reads the whole backup once without writing anything: decryption, framing, counts and digests. */
export async function checkBackup(source: RestoreSource, backupKey: Buffer): Promise<BackupManifest> {
  const manifest = await loadManifest(source, backupKey);
  for await (const block of backupBatches(backupLines(source, manifest, backupKey), manifest, source.id)) void block;
  return manifest;
}

async function assertEmptyTarget(target: RestoreTarget): Promise<void> {
  if (target.kind === "memory") return;
  if (target.kind === "dir") {
    if (fs.existsSync(target.dir) && fs.readdirSync(target.dir).length > 0)
      throw new RestoreRefusedError(`${target.dir} is not empty; restore only into an empty or new data directory. Nothing was changed.`);
    return;
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>("select tablename as name from pg_tables where schemaname = 'public'");
    for (const { name } of rows) {
      const found = await client.query(`select 1 from "${name.replace(/"/g, '""')}" limit 1`);
      if (found.rowCount) throw new RestoreRefusedError(`The target database is not empty (table ${name} has rows); restore only into an empty database. Nothing was changed.`);
    }
  } finally {
    await client.end();
  }
}

async function openTarget(target: RestoreTarget): Promise<DatabaseHandle> {
  if (target.kind === "url") return openDatabase({ kind: "pg", url: target.url });
  return openDatabase({ kind: "pglite", dataDir: target.kind === "dir" ? target.dir : "memory://" });
}

type OrgKeyLine = { org_id: string; kind: string; version: number; status: string; master_key_id: string | null; wrapped_key: string | null; retired_at: string | null };

/** Opens the escrow layer of an org_keys row; a campaign whose escrow key is gone gets destroyed keys, as it has in production. */
async function unescrowOrgKeyRow(line: string, escrow: EscrowKeys, shredded: Set<string>, now: string): Promise<string> {
  const row = JSON.parse(line) as OrgKeyLine;
  if (row.wrapped_key === null) return line;
  const key = await escrow.find(row.org_id);
  if (!key) {
    shredded.add(row.org_id);
    return JSON.stringify({ ...row, status: "destroyed", wrapped_key: null, master_key_id: null, retired_at: row.retired_at ?? now });
  }
  const wrapped = escrowUnwrap(key, Buffer.from(row.wrapped_key.slice(2), "hex"), { orgId: row.org_id, kind: row.kind, version: Number(row.version) });
  return JSON.stringify({ ...row, wrapped_key: `\\x${wrapped.toString("hex")}` });
}

async function loadInto(db: Database, source: RestoreSource, manifest: BackupManifest, backupKey: Buffer, escrow: EscrowKeys): Promise<Set<string>> {
  const shredded = new Set<string>();
  const now = new Date().toISOString();
  await db.transaction(async (tx) => {
    await enterOwnerScope(tx);
    const state = await migrationState(tx);
    if (state.count !== manifest.migration.count || state.hash !== manifest.migration.hash)
      throw new RestoreRefusedError(
        `Backup ${manifest.id} was taken at database version ${manifest.migration.count}, this Rampart is at ${state.count}; restore it with the version that took it, then upgrade.`,
      );
    const tables = new Set(await listTables(tx));
    for await (const block of backupBatches(backupLines(source, manifest, backupKey), manifest, source.id)) {
      if (!("table" in block)) continue;
      if (!tables.has(block.table)) throw new RestoreRefusedError(`The target has no table ${block.table}`);
      const rows = block.table === "org_keys" ? await Promise.all(block.rows.map((l) => unescrowOrgKeyRow(l, escrow, shredded, now))) : block.rows;
      const table = sql.identifier(block.table);
      await tx.execute(sql`INSERT INTO ${table} SELECT * FROM json_populate_recordset(null::${table}, ${`[${rows.join(",")}]`}::json)`);
    }
  });
  return shredded;
}

/** Row counts, audit chains (and their heads against the manifest), and a sample of sealed values opened with the keys. */
export async function verifyRestored(db: Database, manifest: BackupManifest, shredded: Set<string>): Promise<Omit<RestoreReport, "id" | "shreddedCampaigns">> {
  const problems: string[] = [];
  const counts = await db.transaction(async (tx) => {
    await enterOwnerScope(tx);
    const out = new Map<string, number>();
    for (const t of manifest.tables) {
      const [row] = resultRows<{ n: number | string }>(await tx.execute(sql`select count(*)::int as n from ${sql.identifier(t.name)}`));
      out.set(t.name, Number(row?.n ?? 0));
    }
    return out;
  });
  for (const t of manifest.tables) if (counts.get(t.name) !== t.rows) problems.push(`${t.name} has ${counts.get(t.name)} rows, the manifest says ${t.rows}`);

  const audit = await verifyAuditChains(db);
  for (const chain of audit.chains) if (!chain.ok) problems.push(`audit chain ${chainName(chain)} is broken: ${chain.firstBroken?.detail}`);
  const heads = await db.transaction(async (tx) => {
    await enterOwnerScope(tx);
    return resultRows<{ chain_id: string; seq: number | string; hash: string }>(await tx.execute(sql`select chain_id, seq, hash from audit_chain_heads`));
  });
  const headOf = new Map(heads.map((h) => [h.chain_id, `${Number(h.seq)}:${h.hash}`]));
  for (const h of manifest.chainHeads) if (headOf.get(h.chainId) !== `${h.seq}:${h.hash}`) problems.push(`audit chain ${h.orgId ?? "account"} does not end at the head in the manifest`);

  const campaigns = [...new Set(manifest.orgKeys.filter((k) => k.status === "active" && !shredded.has(k.orgId)).map((k) => k.orgId))];
  let opened = 0;
  for (const orgId of campaigns) {
    for (const table of sealedTables) {
      const orgColumn = (getTableColumns(table.table) as Record<string, PgColumn>)[table.orgKey]!;
      try {
        opened += await withTenant(db, { orgId }, async (tx) => {
          const rows = await tx.select().from(table.table).where(eq(orgColumn, orgId)).limit(SAMPLE_ROWS_PER_TABLE);
          await table.openAll(tx, rows);
          return rows.length * table.sealedColumns.length;
        });
      } catch (err) {
        problems.push(`sealed ${table.name} of campaign ${orgId} did not open: ${(err as Error).message}`);
      }
    }
  }
  if (problems.length) throw new RestoreVerificationError(problems);
  return {
    rows: manifest.tables.reduce((n, t) => n + t.rows, 0),
    tables: manifest.tables.length,
    chains: audit.chains.length,
    events: audit.chains.reduce((n, c) => n + c.events, 0),
    sealedValuesOpened: opened,
  };
}

export type RestoreInput = {
  source: RestoreSource;
  target: RestoreTarget;
  backupKey: Buffer;
  /** The app's blob store, holding the campaigns' escrow keys. */
  blobs: BlobStore;
};

/**
 * Restores a backup into an empty target and verifies it. Before the target is touched the whole
 * backup is read once: it must decrypt and authenticate to its last byte and match its manifest.
 * The load is then one transaction, so a failure leaves the target as empty as it was (a data
 * directory this created is removed). Returns the open target; the caller closes it.
 */
export async function restoreBackup(input: RestoreInput): Promise<{ report: RestoreReport; handle: DatabaseHandle }> {
  const manifest = await checkBackup(input.source, input.backupKey);
  await assertEmptyTarget(input.target);
  const handle = await openTarget(input.target);
  try {
    const shredded = await loadInto(handle.db, input.source, manifest, input.backupKey, new EscrowKeys(input.blobs, input.backupKey));
    const verified = await verifyRestored(handle.db, manifest, shredded);
    return { report: { id: manifest.id, ...verified, shreddedCampaigns: [...shredded].sort() }, handle };
  } catch (err) {
    await handle.close();
    if (input.target.kind === "dir") fs.rmSync(input.target.dir, { recursive: true, force: true });
    throw err;
  }
}
