import "server-only";
import { sql } from "drizzle-orm";
import { APP_ROLE, type Database, type Transaction } from "@/lib/db/client";

export type TransactionConfig = Parameters<Database["transaction"]>[1];

/**
 * One transaction that reads every audit chain, the account chain included: for the verifier and the retention job
 * only. Still the app role, so it can append but never change or remove (the purge function checks its own rules).
 */
export function withAuditSystemScope<T>(db: Database, fn: (tx: Transaction) => Promise<T>, config?: TransactionConfig): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(`SET LOCAL ROLE ${APP_ROLE}`));
    await tx.execute(
      sql`select set_config('app.audit_scope', 'system', true), set_config('app.org_id', '', true), set_config('app.user_id', '', true)`,
    );
    return fn(tx);
  }, config);
}
