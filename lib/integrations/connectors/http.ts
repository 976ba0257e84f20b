import "server-only";
import { readCapped } from "@/lib/streams";
import { BadCredentialsError, IntegrationError, RateLimitedError, RemoteDownError, RemoteNotFoundError, RemoteRefusedError } from "./errors";

/**
 * The one way connectors call out: a timeout on every request, retries with full-jitter exponential backoff on 429 and
 * 5xx (Retry-After honoured), a per-campaign limit on requests in flight, no redirects followed (the credentials stay
 * with the host they were given for), and answers read up to a size cap. Errors are typed and never carry the key.
 */

export type RemoteClientOptions = {
  /** Name shown in errors ("NGP VAN"). */
  system: string;
  baseUrl: string;
  /** Authentication headers, asked for on every attempt (PDI renews its session token through this). */
  headers: () => Promise<Record<string, string>> | Record<string, string>;
  /** Requests of one campaign share a limiter; see limiterFor. */
  limiter?: ConcurrencyLimiter;
  timeoutMs?: number;
  /** Attempts after the first. */
  retries?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** A Retry-After longer than this is not waited out here: the caller gets RateLimitedError and reschedules. */
  maxWaitMs?: number;
  random?: () => number;
};

export type RemoteRequest = {
  method: "GET" | "POST" | "PUT";
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** What a 404 means here ("person"); without it a 404 is a refused request. */
  notFound?: string;
};

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const DEFAULTS = { timeoutMs: 10_000, retries: 3, backoffBaseMs: 250, backoffCapMs: 8_000, maxWaitMs: 30_000 };
const RETRYABLE = new Set([429, 500, 502, 503, 504]);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After in milliseconds (delta seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Full jitter: a random wait between 0 and the exponential step (AWS architecture blog's "full jitter"). */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

async function readAnswer(res: Response): Promise<string> {
  if (!res.body) return "";
  const bytes = await readCapped(res.body, MAX_BODY_BYTES);
  if (!bytes) throw new Error("answer too large");
  return bytes.toString("utf8");
}

export class RemoteClient {
  private readonly o: Required<Omit<RemoteClientOptions, "limiter">> & { limiter?: ConcurrencyLimiter };

  constructor(options: RemoteClientOptions) {
    this.o = { ...DEFAULTS, random: Math.random, ...options };
  }

  /** The parsed JSON answer (null for an empty one). */
  async request(req: RemoteRequest): Promise<unknown> {
    const run = () => this.attempts(req);
    return this.o.limiter ? this.o.limiter.run(run) : run();
  }

  private async attempts(req: RemoteRequest): Promise<unknown> {
    const url = new URL(req.path.replace(/^\//, ""), this.o.baseUrl.endsWith("/") ? this.o.baseUrl : `${this.o.baseUrl}/`);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= this.o.retries;
      let res: Response;
      try {
        res = await fetch(url, {
          method: req.method,
          headers: { accept: "application/json", ...(req.body === undefined ? {} : { "content-type": "application/json" }), ...(await this.o.headers()) },
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          redirect: "manual",
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
      } catch (err) {
        const timeout = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
        // A write that timed out may have landed: it is not sent again here (the sync retries it as a whole later).
        if (last || (timeout && req.method !== "GET")) throw new RemoteDownError(this.o.system, timeout ? "timeout" : "unreachable");
        await sleep(backoffDelay(attempt, this.o.backoffBaseMs, this.o.backoffCapMs, this.o.random));
        continue;
      }
      if (res.ok) {
        const text = await readAnswer(res).catch(() => {
          throw new RemoteDownError(this.o.system, "server_error");
        });
        if (!text.trim()) return null;
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new RemoteDownError(this.o.system, "server_error");
        }
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 401 || res.status === 403) throw new BadCredentialsError(this.o.system);
      if (res.status === 404 && req.notFound) throw new RemoteNotFoundError(this.o.system, req.notFound);
      if (!RETRYABLE.has(res.status)) throw new RemoteRefusedError(this.o.system, res.status);
      const retryAfter = parseRetryAfter(res.headers.get("retry-after"));
      const wait = retryAfter ?? backoffDelay(attempt, this.o.backoffBaseMs, this.o.backoffCapMs, this.o.random);
      if (res.status === 429 && (last || wait > this.o.maxWaitMs)) throw new RateLimitedError(this.o.system, Math.max(wait, 1000));
      if (last) throw new RemoteDownError(this.o.system, "server_error");
      await sleep(Math.min(wait, this.o.maxWaitMs));
    }
  }
}

/** A semaphore: at most `max` calls of `run` in flight, the rest wait in order. */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError("max must be a positive integer");
  }

  get inFlight(): number {
    return this.active;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

const limiters = new Map<string, ConcurrencyLimiter>();

/** The limiter of one campaign's connection to one system, shared by every sync in this process. */
export function limiterFor(orgId: string, system: string, max = 2): ConcurrencyLimiter {
  const key = `${orgId}/${system}`;
  let limiter = limiters.get(key);
  if (!limiter) limiters.set(key, (limiter = new ConcurrencyLimiter(max)));
  return limiter;
}

export function isIntegrationError(err: unknown): err is IntegrationError {
  return err instanceof IntegrationError;
}
