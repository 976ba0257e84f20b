import "server-only";
import { getConfig, type Config } from "@/lib/config";
import type { Database } from "@/lib/db";
import { createRateLimiter, type RateLimiter } from "@/lib/ratelimit";

export type AuthLimiters = {
  signInPerAccount: RateLimiter;
  signInPerAddress: RateLimiter;
  signUpPerAddress: RateLimiter;
  resetPerAccount: RateLimiter;
  resetPerAddress: RateLimiter;
  secondFactorPerAccount: RateLimiter;
};

/** The limits of the account pages, on the configured backend. Keys passed in are keyed hashes, never clear emails or addresses. */
export function createAuthLimiters(db: Database, config: Config = getConfig()): AuthLimiters {
  const windowMs = config.auth.loginLimitWindowSeconds * 1000;
  const make = (name: string, limit: number, window = windowMs) => createRateLimiter(config.rateLimit, db, { name, limit, windowMs: window });
  return {
    signInPerAccount: make("signin-account", config.auth.loginLimitPerAccount),
    signInPerAddress: make("signin-address", config.auth.loginLimitPerAddress),
    signUpPerAddress: make("signup-address", config.auth.signupLimitPerAddress, 60 * 60 * 1000),
    resetPerAccount: make("reset-account", 5, 60 * 60 * 1000),
    resetPerAddress: make("reset-address", 20, 60 * 60 * 1000),
    secondFactorPerAccount: make("2fa-account", 10),
  };
}
