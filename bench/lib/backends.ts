import { sql, type SQL } from "drizzle-orm";
import { openDatabase, resultRows, type Database } from "@/lib/db/client";
import { createScratchDatabase, postgresAnswers } from "@/lib/testing/scratch-database";

/**
 * The databases a harness compares on: PGlite in memory always, PostgreSQL too when RAMPART_BENCH_PG_URL or
 * RAMPART_TEST_PG_URL names a server that answers (a scratch database, dropped at close).
 */
export type Say = (line: string) => void;
export type BenchBackend = { name: string; short: string; db: Database; close(): Promise<void> };

export const BENCH_PG_URL = process.env.RAMPART_BENCH_PG_URL ?? process.env.RAMPART_TEST_PG_URL;

/** Statements of the database's owner (twin tables, ANALYZE): the connecting role, outside row-level security. */
export const asOwner = (db: Database, query: SQL | string) =>
  db.transaction(async (tx) => {
    await tx.execute(sql.raw("SET LOCAL ROLE NONE"));
    return tx.execute(typeof query === "string" ? sql.raw(query) : query);
  });

export async function openPgliteBackend(): Promise<BenchBackend> {
  const handle = await openDatabase({ kind: "pglite", dataDir: "memory://" });
  return { name: "PGlite in memory (as lib/db opens it)", short: "PGlite", db: handle.db, close: () => handle.close() };
}

export async function openPostgresBackend(url: string, prefix: string, say: Say): Promise<BenchBackend> {
  const scratch = await createScratchDatabase(url, prefix);
  const handle = await openDatabase({ kind: "pg", url: scratch.url });
  say(`PostgreSQL at ${new URL(scratch.url).host}, scratch database ${scratch.name}`);
  const [version] = resultRows<{ server_version: string }>(await asOwner(handle.db, "show server_version"));
  return {
    name: `PostgreSQL ${version!.server_version} (node-postgres, ${new URL(scratch.url).hostname})`,
    short: "PostgreSQL",
    db: handle.db,
    close: async () => {
      await handle.close();
      await scratch.drop();
    },
  };
}

/** Openers for every backend this machine offers, PGlite first. */
export async function benchBackends(prefix: string, say: Say): Promise<(() => Promise<BenchBackend>)[]> {
  const opens: (() => Promise<BenchBackend>)[] = [openPgliteBackend];
  if (BENCH_PG_URL && (await postgresAnswers(BENCH_PG_URL))) opens.push(() => openPostgresBackend(BENCH_PG_URL, prefix, say));
  else say("no PostgreSQL named by RAMPART_BENCH_PG_URL or RAMPART_TEST_PG_URL: PGlite only");
  return opens;
}
