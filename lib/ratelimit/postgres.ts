import "server-only";
import { sql } from "drizzle-orm";
import { resultRows, type Database } from "@/lib/db/client";
import { assertRateLimitKey, parseRateLimiterOptions, type RateLimiter, type RateLimiterOptions } from "./limiter";

type TakeRow = { allowed: boolean; remaining: number; reset_ms: string | number | bigint };

/**
 * Sliding-window limiter over `rate_limit_take` (db/migrations/0001). Pass the database, not a
 * transaction: a hit counted inside a transaction that rolls back would be forgotten.
 */
export function createPostgresRateLimiter(db: Database, options: RateLimiterOptions): RateLimiter {
  const { name, limit, windowMs } = parseRateLimiterOptions(options);
  return {
    async limit(key) {
      assertRateLimitKey(key);
      const res = await db.execute(
        sql`select allowed, remaining, reset_ms from rate_limit_take(${`${name}:${key}`}::text, ${limit}::integer, ${windowMs}::bigint, ${Date.now()}::bigint)`,
      );
      const row = resultRows<TakeRow>(res)[0];
      if (!row) throw new Error("rate_limit_take returned no row");
      return { success: row.allowed, limit, remaining: Number(row.remaining), reset: Number(row.reset_ms) };
    },
  };
}

/**
 * Deletes counters no limiter can read any more: a window is read as current and then as previous,
 * so rows older than two of the longest window are dead. For a periodic job.
 */
export async function pruneRateLimitHits(db: Database, longestWindowMs: number, now = Date.now()): Promise<number> {
  const res = await db.execute(
    sql`with gone as (delete from rate_limit_hits where window_start < ${now - 2 * longestWindowMs}::bigint returning 1) select count(*)::integer as n from gone`,
  );
  return Number(resultRows<{ n: number }>(res)[0]?.n ?? 0);
}
