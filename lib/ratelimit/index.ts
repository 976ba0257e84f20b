import "server-only";
import type { RateLimitBackend } from "@/lib/config";
import type { Database } from "@/lib/db/client";
import { metrics } from "@/lib/metrics";
import type { RateLimiter, RateLimiterOptions } from "./limiter";
import { createPostgresRateLimiter } from "./postgres";
import { createRedisRateLimiter, createUpstashRestRateLimiter } from "./upstash";

export type { RateLimiter, RateLimiterOptions, RateLimitResult } from "./limiter";
export { createPostgresRateLimiter, pruneRateLimitHits } from "./postgres";
export { createMemoryRateLimiter } from "./memory";
export { createRedisRateLimiter, createUpstashRestRateLimiter } from "./upstash";
export { closeRedisClients } from "./redis";

function createBackendLimiter(backend: RateLimitBackend, db: Database, options: RateLimiterOptions): RateLimiter {
  switch (backend.kind) {
    case "postgres":
      return createPostgresRateLimiter(db, options);
    case "redis":
      return createRedisRateLimiter(backend.url, options);
    case "upstash":
      return createUpstashRestRateLimiter(backend, options);
  }
}

/** The limiter for the configured backend: PostgreSQL (embedded default), plain Redis, or Upstash. Refusals are counted by limiter name. */
export function createRateLimiter(backend: RateLimitBackend, db: Database, options: RateLimiterOptions): RateLimiter {
  const limiter = createBackendLimiter(backend, db, options);
  return {
    async limit(key) {
      const result = await limiter.limit(key);
      if (!result.success) metrics().rateLimitRefusals.inc({ limiter: options.name });
      return result;
    },
  };
}
