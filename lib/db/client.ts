import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { DatabaseConfig } from "@/lib/config";
import * as schema from "@/db/schema";
import { pgliteCodecs } from "./pglite-codecs";
import { keepStatements } from "./pglite-statements";
import { lockDataDirectory } from "./lock";

export type Schema = typeof schema;
/** The one database API the rest of the code sees, whatever the driver. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Something that can run queries: the database or a transaction inside it. */
export type Queryable = Database | Transaction;

export type DatabaseHandle = {
  db: Database;
  driver: DatabaseConfig["kind"];
  /** True when this open created the embedded database directory (so it started empty). */
  createdNow: boolean;
  close(): Promise<void>;
};

export const APP_ROLE = "rampart_app";
export const migrationsFolder = path.join(process.cwd(), "db", "migrations");
/** Startup parameter: every pooled connection works as the app role from its first query. */
const APP_ROLE_STARTUP = `-c role=${APP_ROLE}`;
const MIGRATION_LOCK = 7243061; // advisory lock id: one migrator at a time on a shared server

/**
 * Opens the configured database, applies pending migrations as the owner, then leaves every
 * connection working as the non-owner app role so row-level security binds all app queries.
 */
export async function openDatabase(config: DatabaseConfig): Promise<DatabaseHandle> {
  if (config.kind === "pglite") return openPglite(config.dataDir);
  if (config.kind === "pg") return openNodePostgres(config.url);
  return openNeon(config.url, config.wsProxy);
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const { PGlite, types, protocol, parse } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const inMemory = dataDir.startsWith("memory://");
  const createdNow = inMemory || !fs.existsSync(path.join(dataDir, "PG_VERSION"));
  const lock = inMemory ? undefined : lockDataDirectory(dataDir);
  try {
    const client = await PGlite.create({ ...(inMemory ? {} : { dataDir }), ...pgliteCodecs(types) });
    const db = drizzle({ client, schema });
    await migrate(db, { migrationsFolder });
    await client.exec(`SET ROLE ${APP_ROLE}`);
    // After the migrations: their statements run once each.
    await keepStatements(client, { protocol, parse });
    return {
      db: db as unknown as Database,
      driver: "pglite",
      createdNow,
      close: async () => {
        await client.close();
        lock?.release();
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

async function migrateWithLock(
  client: { query(q: string): Promise<unknown> },
  runMigrations: () => Promise<void>,
): Promise<void> {
  await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
  try {
    await runMigrations();
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
  }
}

async function openNodePostgres(url: string): Promise<DatabaseHandle> {
  const pg = (await import("pg")).default;
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const { migrate } = await import("drizzle-orm/node-postgres/migrator");
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  try {
    await migrateWithLock(owner, () => migrate(drizzle({ client: owner }), { migrationsFolder }));
  } finally {
    await owner.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: 10, options: APP_ROLE_STARTUP });
  pool.on("error", () => undefined); // idle-client errors surface on the next query instead of crashing the process
  const db = drizzle({ client: pool, schema });
  return { db: db as unknown as Database, driver: "pg", createdNow: false, close: () => pool.end() };
}

async function openNeon(url: string, wsProxy?: string): Promise<DatabaseHandle> {
  const neon = await import("@neondatabase/serverless");
  const { drizzle } = await import("drizzle-orm/neon-serverless");
  const { migrate } = await import("drizzle-orm/neon-serverless/migrator");
  const ws = (await import("ws")).default;
  neon.neonConfig.webSocketConstructor = ws;
  if (wsProxy) {
    // A local WebSocket-to-TCP bridge: plain ws, no pipelining (see STACK-NOTES).
    neon.neonConfig.wsProxy = () => wsProxy;
    neon.neonConfig.useSecureWebSocket = false;
    neon.neonConfig.pipelineTLS = false;
    neon.neonConfig.pipelineConnect = false;
  }
  const owner = new neon.Client({ connectionString: url });
  await owner.connect();
  try {
    await migrateWithLock(owner, () => migrate(drizzle({ client: owner }), { migrationsFolder }));
  } finally {
    await owner.end();
  }
  const pool = new neon.Pool({ connectionString: url, max: 10, options: APP_ROLE_STARTUP });
  pool.on("error", () => undefined);
  const db = drizzle({ client: pool, schema });
  return { db: db as unknown as Database, driver: "neon", createdNow: false, close: () => pool.end() };
}

/** One round trip, for health checks. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}

/** Rows of a raw `db.execute` result: every driver here answers with a `rows` array. */
export function resultRows<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
