import { z } from "zod";

export type RateLimitResult = {
  success: boolean;
  limit: number;
  remaining: number;
  /** Epoch milliseconds at which the current window ends. */
  reset: number;
};

export interface RateLimiter {
  /** Counts one attempt for `key` and says whether it is within the limit. */
  limit(key: string): Promise<RateLimitResult>;
}

const rateLimiterOptions = z.object({
  /** Namespace of this limiter (e.g. "login-account"); no colon, so name and key never run into each other. */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '_' or '-'"),
  limit: z.number().int().min(1).max(1_000_000),
  windowMs: z.number().int().min(1).max(7 * 24 * 60 * 60 * 1000),
});

export type RateLimiterOptions = z.input<typeof rateLimiterOptions>;

/** Validates limiter options once, at construction: a bad limiter is a programming error. */
export function parseRateLimiterOptions(options: RateLimiterOptions): RateLimiterOptions {
  const parsed = rateLimiterOptions.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`Invalid rate limiter options: ${issue?.path.join(".")} ${issue?.message}`);
  }
  return parsed.data;
}

export const MAX_RATE_LIMIT_KEY_LENGTH = 512;

// Keys are stored exactly as given: callers pass keyed hashes, never raw emails or addresses.
export function assertRateLimitKey(key: string): void {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_RATE_LIMIT_KEY_LENGTH)
    throw new TypeError(`Rate limit key must be a non-empty string of at most ${MAX_RATE_LIMIT_KEY_LENGTH} characters`);
}
