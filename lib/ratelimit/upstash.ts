import "server-only";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis as UpstashRedis } from "@upstash/redis";
import { assertRateLimitKey, parseRateLimiterOptions, type RateLimiter, type RateLimiterOptions } from "./limiter";
import { createLuaScriptRedis, sharedRedisClient, type LuaScriptRedis } from "./redis";

type RatelimitRedis = ConstructorParameters<typeof Ratelimit>[0]["redis"];

/** Redis keys of every limiter start here, then the limiter's name. */
export const REDIS_KEY_PREFIX = "rampart:rl";

/** @upstash/ratelimit's sliding window over any Redis that can run its scripts. */
export function createUpstashRateLimiter(redis: LuaScriptRedis | UpstashRedis, options: RateLimiterOptions): RateLimiter {
  const { name, limit, windowMs } = parseRateLimiterOptions(options);
  const ratelimit = new Ratelimit({
    // The library types this as the full @upstash/redis client; the sliding window only calls evalsha/eval.
    redis: redis as RatelimitRedis,
    limiter: Ratelimit.slidingWindow(limit, `${windowMs} ms`),
    prefix: `${REDIS_KEY_PREFIX}:${name}`,
    // No timeout: the library would let the request through when Redis is slow; ours refuse instead (errors propagate).
    timeout: 0,
    // No in-process block list: it grows with every distinct blocked key, and all backends should answer alike.
    ephemeralCache: false,
    analytics: false,
    enableTelemetry: false,
  });
  return {
    async limit(key) {
      assertRateLimitKey(key);
      const { success, limit: effective, remaining, reset } = await ratelimit.limit(key);
      return { success, limit: effective, remaining, reset };
    },
  };
}

/** Self-hosted: a plain Redis (REDIS_URL) through node-redis. */
export function createRedisRateLimiter(url: string, options: RateLimiterOptions): RateLimiter {
  return createUpstashRateLimiter(createLuaScriptRedis(sharedRedisClient(url)), options);
}

/** Vercel: Upstash Redis over its REST API. */
export function createUpstashRestRateLimiter(connection: { url: string; token: string }, options: RateLimiterOptions): RateLimiter {
  const redis = new UpstashRedis({ url: connection.url, token: connection.token, enableTelemetry: false });
  return createUpstashRateLimiter(redis, options);
}
