import "server-only";
import type { RateLimitBackend } from "@/lib/config";
import type { Database } from "@/lib/db/client";
import type { RateLimiter, RateLimiterOptions } from "./limiter";
import { createPostgresRateLimiter } from "./postgres";
import { createRedisRateLimiter, createUpstashRestRateLimiter } from "./upstash";

export type { RateLimiter, RateLimiterOptions, RateLimitResult } from "./limiter";
export { createPostgresRateLimiter, pruneRateLimitHits } from "./postgres";
export { createRedisRateLimiter, createUpstashRestRateLimiter } from "./upstash";
export { closeRedisClients } from "./redis";

/** The limiter for the configured backend: PostgreSQL (embedded default), plain Redis, or Upstash. */
export function createRateLimiter(backend: RateLimitBackend, db: Database, options: RateLimiterOptions): RateLimiter {
  switch (backend.kind) {
    case "postgres":
      return createPostgresRateLimiter(db, options);
    case "redis":
      return createRedisRateLimiter(backend.url, options);
    case "upstash":
      return createUpstashRestRateLimiter(backend, options);
  }
}
