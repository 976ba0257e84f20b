import "server-only";
import { getConfig, type Config } from "@/lib/config";
import type { Database } from "@/lib/db";
import { availableParallelism } from "node:os";
import { createMemoryRateLimiter, createRateLimiter, type RateLimiter } from "@/lib/ratelimit";
import { defaultBackgroundVerifier, type BackgroundVerifier } from "./background-verifier";
import { RefusalMemo, RefusalRecorder } from "./refusals";
import { VerificationPool } from "./verify-pool";

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

/** The sign-in flood defences of one process (lib/auth/sign-in.ts checkPassword). */
export type SignInGuard = {
  /** Concurrent argon2id verifications, with a short queue and a slot kept for recognised devices. */
  pool: VerificationPool;
  /** In-process, in front of the shared per-address limit: a burst from one address costs no round trip (recognised devices skip it). */
  burstPerAddress: RateLimiter;
  /** A recognised device's own limit, counted instead of its account's (a stolen device cookie still guesses slowly). */
  perDevice: RateLimiter;
  /** At most this many refused attempts per account reach the audit chain; the sign-in history records each. */
  refusalAuditPerAccount: RateLimiter;
  /** Signs and checks device cookies (lib/auth/device-cookie.ts). */
  deviceSecret: string;
  /** Refusals already known (a blocked address, a locked account): the next attempt costs no round trip. */
  memo: RefusalMemo;
  /** Refused attempts reach the sign-in history in batches. */
  recorder: RefusalRecorder;
  /** Checks the passwords of attempts from no recognised device below the server's CPU priority; null: in process. */
  background: BackgroundVerifier | null;
};

/** Slots: one per core (argon2id keeps a core busy for its ~230 ms), one of them kept for recognised devices; as many may wait unless configured. */
export function verificationPoolFor(cores = availableParallelism(), queue?: number | null): VerificationPool {
  const slots = Math.max(2, cores);
  return new VerificationPool({ slots, reservedForDevices: 1, queue: queue ?? slots });
}

// On globalThis: Next may load this module more than once, and the cores are the process's, not the module's.
const holder = globalThis as typeof globalThis & { __rampartVerificationPool?: VerificationPool };
/** The process's pool, also for callers that pass no guard (scripts, some tests): bounded all the same. */
export function defaultVerificationPool(config?: Config): VerificationPool {
  return (holder.__rampartVerificationPool ??= verificationPoolFor(availableParallelism(), config?.auth.loginVerifyQueue));
}

export function createSignInGuard(db: Database, deviceSecret: string, config: Config = getConfig()): SignInGuard {
  return {
    pool: defaultVerificationPool(config),
    burstPerAddress: createMemoryRateLimiter({ name: "signin-burst", limit: config.auth.loginBurstPerAddress, windowMs: 10_000 }),
    perDevice: createRateLimiter(config.rateLimit, db, { name: "signin-device", limit: config.auth.loginLimitPerAccount, windowMs: config.auth.loginLimitWindowSeconds * 1000 }),
    refusalAuditPerAccount: createMemoryRateLimiter({ name: "signin-refusal-audit", limit: 1, windowMs: 60_000 }),
    deviceSecret,
    memo: new RefusalMemo(),
    recorder: new RefusalRecorder(db),
    background: config.auth.loginVerifyInChild ? defaultBackgroundVerifier() : null,
  };
}
