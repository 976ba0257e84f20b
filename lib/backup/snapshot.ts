import "server-only";
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { resultRows, type Database, type Transaction } from "@/lib/db/client";
import { escrowWrap, type EscrowKeys } from "./escrow";

/**
 * The logical snapshot: every table of the public schema, in foreign-key order, as JSON lines
 * (PostgreSQL's own row_to_json, so every type round-trips through json_populate_recordset),
 * read in one REPEATABLE READ transaction through the app's own database handle. It is the same
 * on PGlite, PostgreSQL and Neon, needs no pg_dump binary, and never opens the embedded database
 * a second time.
 *
 * Plaintext format, one line each: `T <table>`, then the table's rows as JSON, then
 * `E <table> <rows>`; `Z <total rows>` ends the snapshot.
 */

const BACKUP_LOCK = 7243062; // advisory lock id: one backup at a time on a shared server
const FETCH_ROWS = 2000;
const FLUSH_BYTES = 256 * 1024;

export type ChainHead = { chainId: string; orgId: string | null; seq: number; hash: string };
export type OrgKeyFact = { orgId: string; kind: string; version: number; status: string; masterKeyId: string | null };
export type SnapshotFacts = {
  tables: Array<{ name: string; rows: number }>;
  chainHeads: ChainHead[];
  masterKeyIds: string[];
  orgKeys: OrgKeyFact[];
  migration: { count: number; hash: string | null };
  plaintextSha256: string;
  plaintextBytes: number;
};

const tableName = /^[a-z_][a-z0-9_]*$/;

/** Parents before children; a cycle (none exists today) would be refused rather than dumped in an order that cannot load. */
export function foreignKeyOrder(tables: string[], edges: Array<{ child: string; parent: string }>): string[] {
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of edges) if (child !== parent && parents.has(child) && parents.has(parent)) parents.get(child)!.add(parent);
  const out: string[] = [];
  const done = new Set<string>();
  while (out.length < tables.length) {
    const ready = tables.filter((t) => !done.has(t) && [...parents.get(t)!].every((p) => done.has(p)));
    if (ready.length === 0) throw new Error(`foreign keys form a cycle among ${tables.filter((t) => !done.has(t)).join(", ")}`);
    for (const t of ready) {
      done.add(t);
      out.push(t);
    }
  }
  return out;
}

/** The owner's view: no app role, and row security off so that a policy hiding rows is an error, never a silently partial backup. */
export async function enterOwnerScope(tx: Transaction): Promise<void> {
  await tx.execute(sql.raw("SET LOCAL ROLE NONE"));
  await tx.execute(sql.raw("SET LOCAL row_security = off"));
}

export async function listTables(tx: Transaction): Promise<string[]> {
  const tables = resultRows<{ name: string }>(await tx.execute(sql`select tablename as name from pg_tables where schemaname = 'public' order by tablename`)).map((r) => r.name);
  for (const t of tables) if (!tableName.test(t)) throw new Error(`unexpected table name ${JSON.stringify(t)}`);
  const edges = resultRows<{ child: string; parent: string }>(
    await tx.execute(sql`select cr.relname as child, pr.relname as parent from pg_constraint c
      join pg_class cr on cr.oid = c.conrelid join pg_class pr on pr.oid = c.confrelid
      join pg_namespace n on n.oid = cr.relnamespace where c.contype = 'f' and n.nspname = 'public'`),
  );
  return foreignKeyOrder(tables, edges);
}

export async function migrationState(tx: Transaction): Promise<{ count: number; hash: string | null }> {
  const [row] = resultRows<{ count: number | string; hash: string | null }>(
    await tx.execute(sql`select count(*)::int as count, (select hash from drizzle.__drizzle_migrations order by created_at desc, id desc limit 1) as hash from drizzle.__drizzle_migrations`),
  );
  return { count: Number(row?.count ?? 0), hash: row?.hash ?? null };
}

const hexToBuffer = (hex: string) => Buffer.from(hex.slice(2), "hex");
const bufferToHex = (b: Buffer) => `\\x${b.toString("hex")}`;

type OrgKeyRow = { org_id: string; kind: string; version: number; wrapped_key: string | null };

/** The wrapped campaign key of an org_keys row, sealed once more under the campaign's escrow key. */
async function escrowOrgKeyRow(line: string, escrow: EscrowKeys): Promise<string> {
  const row = JSON.parse(line) as OrgKeyRow;
  if (row.wrapped_key === null) return line;
  const key = await escrow.findOrCreate(row.org_id);
  row.wrapped_key = bufferToHex(escrowWrap(key, hexToBuffer(row.wrapped_key), { orgId: row.org_id, kind: row.kind, version: row.version }));
  return JSON.stringify(row);
}

export type SnapshotOptions = {
  escrow: EscrowKeys;
  /** Receives the plaintext in order; awaiting it is the backpressure. */
  write(chunk: Buffer): Promise<void>;
  /** Called between tables (the job extends its lease there). */
  onTable?(name: string): Promise<void>;
};

export async function writeSnapshot(db: Database, opts: SnapshotOptions): Promise<SnapshotFacts> {
  return db.transaction(
    async (tx) => {
      await enterOwnerScope(tx);
      const [lock] = resultRows<{ ok: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${BACKUP_LOCK}) as ok`));
      if (!lock?.ok) throw new Error("Another backup is running on this database; try again when it has finished");

      const hash = createHash("sha256");
      let bytes = 0;
      let pending: string[] = [];
      let pendingLength = 0;
      const flush = async () => {
        if (pending.length === 0) return;
        const chunk = Buffer.from(pending.join(""), "utf8");
        pending = [];
        pendingLength = 0;
        hash.update(chunk);
        bytes += chunk.length;
        await opts.write(chunk);
      };
      const emit = async (line: string) => {
        pending.push(line, "\n");
        pendingLength += line.length + 1;
        if (pendingLength >= FLUSH_BYTES) await flush();
      };

      const tables: SnapshotFacts["tables"] = [];
      let total = 0;
      for (const name of await listTables(tx)) {
        await opts.onTable?.(name);
        await emit(`T ${name}`);
        let rows = 0;
        await tx.execute(sql.raw(`DECLARE rampart_backup NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS j FROM "${name}" t`));
        for (;;) {
          const batch = resultRows<{ j: string }>(await tx.execute(sql.raw(`FETCH FORWARD ${FETCH_ROWS} FROM rampart_backup`)));
          for (const { j } of batch) await emit(name === "org_keys" ? await escrowOrgKeyRow(j, opts.escrow) : j);
          rows += batch.length;
          if (batch.length < FETCH_ROWS) break;
        }
        await tx.execute(sql.raw("CLOSE rampart_backup"));
        await emit(`E ${name} ${rows}`);
        tables.push({ name, rows });
        total += rows;
      }
      await emit(`Z ${total}`);
      await flush();

      const chainHeads = resultRows<{ chain_id: string; org_id: string | null; seq: number | string; hash: string }>(
        await tx.execute(sql`select chain_id, org_id, seq, hash from audit_chain_heads order by chain_id`),
      ).map((r) => ({ chainId: r.chain_id, orgId: r.org_id, seq: Number(r.seq), hash: r.hash }));
      const orgKeys = resultRows<{ org_id: string; kind: string; version: number; status: string; master_key_id: string | null }>(
        await tx.execute(sql`select org_id, kind, version, status, master_key_id from org_keys order by org_id, kind, version`),
      ).map((r) => ({ orgId: r.org_id, kind: r.kind, version: Number(r.version), status: r.status, masterKeyId: r.master_key_id }));
      return {
        tables,
        chainHeads,
        masterKeyIds: [...new Set(orgKeys.flatMap((k) => (k.masterKeyId ? [k.masterKeyId] : [])))].sort(),
        orgKeys,
        migration: await migrationState(tx),
        plaintextSha256: hash.digest("hex"),
        plaintextBytes: bytes,
      };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}
