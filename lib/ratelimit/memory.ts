import { assertRateLimitKey, parseRateLimiterOptions, type RateLimiter, type RateLimiterOptions } from "./limiter";

/** At most this many keys are kept per limiter; past it the oldest are forgotten (a flood of new keys cannot grow memory). */
export const MEMORY_LIMITER_MAX_KEYS = 50_000;

/**
 * The same sliding window as rate_limit_take (epoch-aligned windows, the previous one weighted by what is left of it),
 * counted in this process alone: no round trip, so it can stand in front of the shared limiters and turn a burst away
 * for nothing. Never the only limit (each instance of a deployment counts its own).
 */
export function createMemoryRateLimiter(options: RateLimiterOptions, maxKeys = MEMORY_LIMITER_MAX_KEYS): RateLimiter {
  const { limit, windowMs } = parseRateLimiterOptions(options);
  const counts = new Map<string, { start: number; current: number; previous: number }>();
  return {
    async limit(key) {
      assertRateLimitKey(key);
      const now = Date.now();
      const start = now - (now % windowMs);
      let entry = counts.get(key);
      if (!entry) {
        if (counts.size >= maxKeys) counts.delete(counts.keys().next().value!);
        entry = { start, current: 0, previous: 0 };
        counts.set(key, entry);
      } else if (entry.start !== start) {
        entry.previous = entry.start === start - windowMs ? entry.current : 0;
        entry.current = 0;
        entry.start = start;
      }
      const used = Math.floor(entry.previous * (1 - (now - start) / windowMs)) + entry.current;
      if (used >= limit) return { success: false, limit, remaining: 0, reset: start + windowMs };
      entry.current++;
      return { success: true, limit, remaining: limit - used - 1, reset: start + windowMs };
    },
  };
}
