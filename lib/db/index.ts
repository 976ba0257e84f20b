import "server-only";
import { getConfig } from "@/lib/config";
import { logger } from "@/lib/log";
import { openDatabase, type Database, type DatabaseHandle } from "./client";
import { prepareDemoData } from "@/db/seed/demo";

export type { Database, Transaction, Queryable } from "./client";
export { withTenant, withPerson } from "./tenant";

const holder = globalThis as typeof globalThis & { __rampartDb?: Promise<DatabaseHandle> };

/** Bench only (RAMPART_BENCH=1): counts explicit transactions so bench/transactions.ts can report them per page view. */
function countTransactions(db: Database): void {
  const counter = globalThis as typeof globalThis & { __rampartTransactions?: number };
  counter.__rampartTransactions = 0;
  const original = db.transaction.bind(db);
  db.transaction = ((...args: Parameters<Database["transaction"]>) => {
    counter.__rampartTransactions! += 1;
    return original(...args);
  }) as Database["transaction"];
}

async function open(): Promise<DatabaseHandle> {
  const config = getConfig();
  const handle = await openDatabase(config.database);
  if (process.env.RAMPART_BENCH === "1") countTransactions(handle.db);
  if (config.demo.enabled) await prepareDemoData(handle, config.demo.password);
  logger.info({ driver: handle.driver }, "database ready");
  return handle;
}

/** This process's database, opened (and migrated) once; cached on globalThis because Next may load this module twice. */
export function getDatabaseHandle(): Promise<DatabaseHandle> {
  holder.__rampartDb ??= open().catch((err) => {
    holder.__rampartDb = undefined;
    throw err;
  });
  return holder.__rampartDb;
}

export async function getDb(): Promise<Database> {
  return (await getDatabaseHandle()).db;
}
