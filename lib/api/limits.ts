import "server-only";
import { getConfig } from "@/lib/config";
import type { Database } from "@/lib/db";
import { createRateLimiter, type RateLimiter, type RateLimitResult } from "@/lib/ratelimit";

export type ApiLimiters = { perToken: RateLimiter; perAddress: RateLimiter };

/** The limits count requests in a one-minute window, per token and per client address (config: API_LIMIT_PER_*). */
export const API_LIMIT_WINDOW_MS = 60_000;

const holder = globalThis as typeof globalThis & { __rampartApiLimiters?: ApiLimiters };

/** The API's limiters on the configured backend, built once per process (a test may install its own). */
export function apiLimiters(db: Database): ApiLimiters {
  if (!holder.__rampartApiLimiters) {
    const { rateLimit, apiLimits } = getConfig();
    holder.__rampartApiLimiters = {
      perToken: createRateLimiter(rateLimit, db, { name: "api-token", limit: apiLimits.perToken, windowMs: API_LIMIT_WINDOW_MS }),
      perAddress: createRateLimiter(rateLimit, db, { name: "api-address", limit: apiLimits.perAddress, windowMs: API_LIMIT_WINDOW_MS }),
    };
  }
  return holder.__rampartApiLimiters;
}

export function setApiLimitersForTest(limiters: ApiLimiters | undefined): void {
  if (process.env.NODE_ENV !== "test") throw new Error("API limiters can only be replaced in tests");
  holder.__rampartApiLimiters = limiters;
}

/** The IETF RateLimit headers for the tighter of the results, and Retry-After when refused. */
export function rateLimitHeaders(results: RateLimitResult[], now = Date.now()): Record<string, string> {
  const tightest = results.reduce((a, b) => (b.remaining < a.remaining || !b.success ? b : a));
  const reset = Math.max(0, Math.ceil((tightest.reset - now) / 1000));
  const headers: Record<string, string> = {
    RateLimit: `limit=${tightest.limit}, remaining=${Math.max(0, tightest.remaining)}, reset=${reset}`,
    "RateLimit-Policy": results.map((r) => `${r.limit};w=${API_LIMIT_WINDOW_MS / 1000}`).join(", "),
  };
  if (!tightest.success) headers["Retry-After"] = String(Math.max(1, reset));
  return headers;
}
