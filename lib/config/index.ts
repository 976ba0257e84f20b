import { z } from "zod";
import path from "node:path";

/** Thrown when an environment variable is missing or malformed; its message is one line for the operator. */
export class ConfigError extends Error {
  constructor(readonly variable: string, readonly expected: string) {
    super(`Configuration error: ${variable} ${expected}`);
    this.name = "ConfigError";
  }
}

const postgresUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "postgres:" || u.protocol === "postgresql:") && u.hostname.length > 0;
    } catch {
      return false;
    }
  });

const masterKeyList = z.string().refine((v) => {
  try {
    return parseMasterKeyList(v).length > 0;
  } catch {
    return false;
  }
});

const httpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
});

const flag = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

/** Each variable with its schema and the expected form shown when it is wrong. */
const variables = {
  NODE_ENV: { schema: z.enum(["development", "production", "test"]), expected: "must be development, production or test" },
  PORT: { schema: z.coerce.number().int().min(1).max(65535), expected: "must be a TCP port number (1-65535), for example 3000" },
  HOST: { schema: z.string().regex(/^[\w.:-]+$/), expected: "must be the interface address to listen on, for example 127.0.0.1 or 0.0.0.0" },
  TRUSTED_PROXIES: { schema: z.coerce.number().int().min(0).max(5), expected: "must be the number of proxies in front of the app that append to X-Forwarded-For (0-5)" },
  APP_URL: { schema: httpUrl, expected: "must be the public origin of the app, for example https://rampart.example.org" },
  RAMPART_DATA_DIR: { schema: z.string().min(1), expected: "must be a directory path, for example .data" },
  DATABASE_URL: {
    schema: postgresUrl,
    expected: "must be a postgres:// or postgresql:// URL such as postgres://user:password@host:5432/rampart (leave it unset for the embedded database)",
  },
  DATABASE_DRIVER: { schema: z.enum(["pg", "neon"]), expected: "must be pg (node-postgres) or neon (@neondatabase/serverless over WebSocket)" },
  NEON_WS_PROXY: { schema: z.string().regex(/^[\w.-]+(:\d+)?(\/[\w./-]*)?$/), expected: "must be host:port/path of a WebSocket proxy, for example localhost:5433/v1" },
  REDIS_URL: {
    schema: z.string().refine((v) => /^rediss?:\/\/[^\s]+$/.test(v)),
    expected: "must be a redis:// or rediss:// URL, for example redis://127.0.0.1:6379",
  },
  UPSTASH_REDIS_REST_URL: { schema: httpUrl, expected: "must be the https:// REST URL of an Upstash Redis database" },
  UPSTASH_REDIS_REST_TOKEN: { schema: z.string().min(10), expected: "must be the REST token of the Upstash Redis database" },
  BLOB_READ_WRITE_TOKEN: { schema: z.string().regex(/^vercel_blob_rw_\w+$/), expected: "must be a Vercel Blob read-write token (vercel_blob_rw_…)" },
  RAMPART_MASTER_KEYS: {
    schema: masterKeyList,
    expected: "must list master keys newest first as id:base64 pairs separated by commas, each key 32 random bytes (openssl rand -base64 32)",
  },
  AUTH_SECRET: { schema: z.string().min(32), expected: "must be at least 32 random characters (openssl rand -base64 32)" },
  RAMPART_DEMO: { schema: flag, expected: "must be 1 or 0 (load the demo data into a new embedded database or not)" },
  RAMPART_DEMO_PASSWORD: { schema: z.string().min(12).max(256), expected: "must be 12 to 256 characters" },
  SESSION_IDLE_MINUTES: { schema: z.coerce.number().int().min(5).max(1440), expected: "must be a whole number of minutes from 5 to 1440 (idle sign-out)" },
  LOGIN_LIMIT_PER_ACCOUNT: { schema: z.coerce.number().int().min(1).max(1000), expected: "must be a whole number of sign-in attempts per account per window (1-1000)" },
  LOGIN_LIMIT_PER_ADDRESS: { schema: z.coerce.number().int().min(1).max(100000), expected: "must be a whole number of sign-in attempts per client address per window" },
  SIGNUP_LIMIT_PER_ADDRESS: { schema: z.coerce.number().int().min(1).max(100000), expected: "must be a whole number of sign-ups per client address per hour" },
  LOGIN_BURST_PER_ADDRESS: { schema: z.coerce.number().int().min(1).max(100000), expected: "must be a whole number of sign-in attempts per client address per 10 seconds" },
  LOGIN_VERIFY_QUEUE: { schema: z.coerce.number().int().min(0).max(10000), expected: "must be the number of sign-ins that may wait for a password check (0-10000)" },
  LOGIN_VERIFY_IN_CHILD: { schema: flag, expected: "must be 1 or 0 (check passwords of sign-ins from no recognised device in a child process below the server's CPU priority, or in the server)" },
  LOGIN_LIMIT_WINDOW_SECONDS: { schema: z.coerce.number().int().min(10).max(86400), expected: "must be the rate-limit window in seconds (10-86400)" },
  API_LIMIT_PER_TOKEN: { schema: z.coerce.number().int().min(1).max(1_000_000), expected: "must be a whole number of /api/v1 requests per token per minute" },
  API_LIMIT_PER_ADDRESS: { schema: z.coerce.number().int().min(1).max(1_000_000), expected: "must be a whole number of /api/v1 requests per client address per minute" },
  SMTP_URL: { schema: z.string().regex(/^smtps?:\/\/\S+$/), expected: "must be an smtp:// or smtps:// URL, for example smtps://user:pass@smtp.example.org:465" },
  MAIL_FROM: { schema: z.string().min(3).max(200), expected: "must be a sender such as Rampart <no-reply@example.org>" },
  RAMPART_BACKGROUND: { schema: z.enum(["on", "off"]), expected: "must be on (the app runs background jobs) or off (a separate npm run worker does)" },
  RAMPART_BACKUP_KEY: {
    schema: z.string().refine((v) => Buffer.from(v, "base64").length === 32),
    expected: "must be 32 random bytes in base64 (openssl rand -base64 32), kept apart from the master keys",
  },
  RAMPART_BACKUP_DIR: { schema: z.string().min(1), expected: "must be a directory path for encrypted backups (default: the blob store under backups/)" },
  RAMPART_BACKUP_KEEP_DAILY: { schema: z.coerce.number().int().min(1).max(366), expected: "must be how many daily backups to keep (1-366)" },
  RAMPART_BACKUP_KEEP_WEEKLY: { schema: z.coerce.number().int().min(0).max(520), expected: "must be how many weekly backups to keep (0-520)" },
  RAMPART_ALERT_WEBHOOK_URL: { schema: httpUrl, expected: "must be an http(s) URL that receives a JSON POST when a backup or its verification fails" },
  RAMPART_IMPORT_MAX_MB: { schema: z.coerce.number().int().min(1).max(1024), expected: "must be the largest import file in megabytes (1-1024)" },
  RAMPART_IMPORT_MAX_ROWS: { schema: z.coerce.number().int().min(1).max(10_000_000), expected: "must be the most rows one import may hold (1-10000000)" },
  RAMPART_VAN_BASE_URL: { schema: httpUrl, expected: "must be the http(s) base URL of the NGP VAN API v4 (default https://api.securevan.com/v4)" },
  RAMPART_PDI_BASE_URL: { schema: httpUrl, expected: "must be the http(s) base URL of the PDI API (default https://api.bluevote.com)" },
  RAMPART_SALSA_BASE_URL: { schema: httpUrl, expected: "must be the http(s) base URL of Salsa Engage (default https://api.salsalabs.org)" },
  CRON_SECRET: { schema: z.string().min(32).max(512), expected: "must be at least 32 random characters (openssl rand -hex 32); the bearer secret of /api/cron" },
  METRICS_TOKEN: { schema: z.string().min(32).max(512), expected: "must be at least 32 random characters (openssl rand -hex 32); the bearer secret of /api/metrics" },
  LOG_LEVEL: { schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]), expected: "must be one of fatal, error, warn, info, debug, trace, silent" },
} as const;

type VariableName = keyof typeof variables;
type Parsed = { [K in VariableName]?: z.output<(typeof variables)[K]["schema"]> };

export type MasterKey = { id: string; key: Buffer };

/** Parses `id:base64,id:base64` (newest first) into keys of exactly 32 bytes with distinct ids. */
export function parseMasterKeyList(value: string): MasterKey[] {
  const keys = value.split(",").map((part) => {
    const [id, b64, ...rest] = part.trim().split(":");
    if (!id || !b64 || rest.length > 0 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error("bad entry");
    const key = Buffer.from(b64, "base64");
    if (key.length !== 32) throw new Error("bad key length");
    return { id, key };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error("duplicate id");
  return keys;
}

export type DatabaseConfig =
  | { kind: "pglite"; dataDir: string }
  | { kind: "pg"; url: string }
  | { kind: "neon"; url: string; wsProxy?: string };

export type RateLimitBackend =
  | { kind: "postgres" }
  | { kind: "redis"; url: string }
  | { kind: "upstash"; url: string; token: string };

export type BlobBackend = { kind: "local"; dir: string } | { kind: "vercel"; token: string };

export type Config = {
  env: "development" | "production" | "test";
  port: number;
  /** Proxies in front of `npm start` whose X-Forwarded-For hops are believed (0: the socket is the client). */
  trustedProxies: number;
  /** Listening address: loopback by default in embedded mode, whose demo accounts share one known password. */
  host: string;
  appUrl: string;
  secureCookies: boolean;
  dataDir: string;
  embedded: boolean;
  database: DatabaseConfig;
  rateLimit: RateLimitBackend;
  blob: BlobBackend;
  /** Master keys from the environment; undefined in embedded mode, where lib/keys generates them. */
  masterKeys?: MasterKey[];
  authSecret?: string;
  demo: { enabled: boolean; password: string };
  auth: {
    sessionMaxAgeSeconds: number;
    idleTimeoutSeconds: number;
    loginLimitPerAccount: number;
    loginLimitPerAddress: number;
    loginLimitWindowSeconds: number;
    /** In-process burst limit per address (10 s), in front of the shared limits. */
    loginBurstPerAddress: number;
    /** Sign-ins without a device cookie that may wait for a password-check slot; null: one per core. */
    loginVerifyQueue: number | null;
    /** Password checks of attempts from no recognised device in a lower-priority child process (lib/auth/background-verifier.ts). */
    loginVerifyInChild: boolean;
    signupLimitPerAddress: number;
  };
  /** /api/v1 requests per minute, per token and per client address. */
  apiLimits: { perToken: number; perAddress: number };
  /** SMTP in production; the `.data/outbox/` folder otherwise. */
  mail: { kind: "smtp"; url: string; from: string } | { kind: "outbox"; dir: string; from: string };
  logLevel: string;
  /** Limits of one campaign import (lib/imports). */
  imports: { maxBytes: number; maxRows: number };
  /** Base URLs of the systems campaigns connect (lib/integrations); tests and self-hosters point them elsewhere. */
  integrations: { van: string; pdi: string; salsa: string };
  /** Whether this server process runs the job runner and hourly chores. */
  backgroundInProcess: boolean;
  backup: {
    /** From the environment; undefined in embedded mode, where lib/backup generates one beside the master keys. */
    key?: Buffer;
    /** Where backups go: a local directory, or the blob store (under backups/). */
    target: { kind: "blob" } | { kind: "local"; dir: string };
    keepDaily: number;
    keepWeekly: number;
  };
  /** Receives a JSON POST when a backup or its verification fails. */
  alertWebhookUrl?: string;
  /** Bearer secrets of /api/cron and /api/metrics; each route answers 404 while its secret is unset. */
  cronSecret?: string;
  metricsToken?: string;
};

export const DEFAULT_DEMO_PASSWORD = "orange-lantern-harbor-42";

function read(env: NodeJS.ProcessEnv): Parsed {
  const out: Parsed = {};
  for (const name of Object.keys(variables) as VariableName[]) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const result = variables[name].schema.safeParse(raw);
    if (!result.success) throw new ConfigError(name, variables[name].expected);
    (out as Record<string, unknown>)[name] = result.data;
  }
  return out;
}

/** Validates the environment and derives the deployment shape. Throws ConfigError naming the first bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const v = read(env);
  const nodeEnv = v.NODE_ENV ?? "development";
  const port = v.PORT ?? 3000;
  const appUrl = (v.APP_URL ?? `http://localhost:${port}`).replace(/\/$/, "");
  const dataDir = path.resolve(cwd, v.RAMPART_DATA_DIR ?? ".data");

  let database: DatabaseConfig;
  if (!v.DATABASE_URL) {
    if (v.DATABASE_DRIVER) throw new ConfigError("DATABASE_DRIVER", "needs DATABASE_URL to be set as well");
    database = { kind: "pglite", dataDir: path.join(dataDir, "db") };
  } else if (v.DATABASE_DRIVER === "neon") {
    database = { kind: "neon", url: v.DATABASE_URL, wsProxy: v.NEON_WS_PROXY };
  } else {
    database = { kind: "pg", url: v.DATABASE_URL };
  }
  const embedded = database.kind === "pglite";

  if (!embedded && !v.RAMPART_MASTER_KEYS)
    throw new ConfigError("RAMPART_MASTER_KEYS", "is required with DATABASE_URL: " + variables.RAMPART_MASTER_KEYS.expected);
  if (!embedded && !v.AUTH_SECRET) throw new ConfigError("AUTH_SECRET", "is required with DATABASE_URL: " + variables.AUTH_SECRET.expected);

  if (Boolean(v.UPSTASH_REDIS_REST_URL) !== Boolean(v.UPSTASH_REDIS_REST_TOKEN))
    throw new ConfigError(v.UPSTASH_REDIS_REST_URL ? "UPSTASH_REDIS_REST_TOKEN" : "UPSTASH_REDIS_REST_URL", "must be set together with its pair");
  const rateLimit: RateLimitBackend = v.UPSTASH_REDIS_REST_URL
    ? { kind: "upstash", url: v.UPSTASH_REDIS_REST_URL, token: v.UPSTASH_REDIS_REST_TOKEN! }
    : v.REDIS_URL
      ? { kind: "redis", url: v.REDIS_URL }
      : { kind: "postgres" };

  const blob: BlobBackend = v.BLOB_READ_WRITE_TOKEN
    ? { kind: "vercel", token: v.BLOB_READ_WRITE_TOKEN }
    : { kind: "local", dir: path.join(dataDir, "blobs") };

  return {
    env: nodeEnv,
    port,
    host: v.HOST ?? (embedded ? "127.0.0.1" : "0.0.0.0"),
    trustedProxies: v.TRUSTED_PROXIES ?? 0,
    appUrl,
    secureCookies: appUrl.startsWith("https://"),
    dataDir,
    embedded,
    database,
    rateLimit,
    blob,
    masterKeys: v.RAMPART_MASTER_KEYS ? parseMasterKeyList(v.RAMPART_MASTER_KEYS) : undefined,
    authSecret: v.AUTH_SECRET,
    demo: { enabled: embedded && (v.RAMPART_DEMO ?? true), password: v.RAMPART_DEMO_PASSWORD ?? DEFAULT_DEMO_PASSWORD },
    auth: {
      sessionMaxAgeSeconds: 24 * 60 * 60,
      idleTimeoutSeconds: (v.SESSION_IDLE_MINUTES ?? 120) * 60,
      loginLimitPerAccount: v.LOGIN_LIMIT_PER_ACCOUNT ?? 10,
      loginLimitPerAddress: v.LOGIN_LIMIT_PER_ADDRESS ?? 100,
      loginLimitWindowSeconds: v.LOGIN_LIMIT_WINDOW_SECONDS ?? 900,
      loginBurstPerAddress: v.LOGIN_BURST_PER_ADDRESS ?? 10,
      loginVerifyQueue: v.LOGIN_VERIFY_QUEUE ?? null,
      loginVerifyInChild: v.LOGIN_VERIFY_IN_CHILD ?? true,
      signupLimitPerAddress: v.SIGNUP_LIMIT_PER_ADDRESS ?? 10,
    },
    apiLimits: { perToken: v.API_LIMIT_PER_TOKEN ?? 600, perAddress: v.API_LIMIT_PER_ADDRESS ?? 1200 },
    mail: v.SMTP_URL
      ? { kind: "smtp", url: v.SMTP_URL, from: v.MAIL_FROM ?? "Rampart <no-reply@localhost>" }
      : { kind: "outbox", dir: path.join(dataDir, "outbox"), from: v.MAIL_FROM ?? "Rampart <no-reply@localhost>" },
    logLevel: v.LOG_LEVEL ?? (nodeEnv === "test" ? "silent" : "info"),
    imports: { maxBytes: (v.RAMPART_IMPORT_MAX_MB ?? 50) * 1024 * 1024, maxRows: v.RAMPART_IMPORT_MAX_ROWS ?? 200_000 },
    integrations: {
      van: v.RAMPART_VAN_BASE_URL ?? "https://api.securevan.com/v4",
      pdi: v.RAMPART_PDI_BASE_URL ?? "https://api.bluevote.com",
      salsa: v.RAMPART_SALSA_BASE_URL ?? "https://api.salsalabs.org",
    },
    backgroundInProcess: (v.RAMPART_BACKGROUND ?? "on") === "on",
    backup: {
      key: v.RAMPART_BACKUP_KEY ? Buffer.from(v.RAMPART_BACKUP_KEY, "base64") : undefined,
      target: v.RAMPART_BACKUP_DIR ? { kind: "local", dir: path.resolve(cwd, v.RAMPART_BACKUP_DIR) } : { kind: "blob" },
      keepDaily: v.RAMPART_BACKUP_KEEP_DAILY ?? 7,
      keepWeekly: v.RAMPART_BACKUP_KEEP_WEEKLY ?? 4,
    },
    alertWebhookUrl: v.RAMPART_ALERT_WEBHOOK_URL,
    cronSecret: v.CRON_SECRET,
    metricsToken: v.METRICS_TOKEN,
  };
}

let cached: Config | undefined;

/** The configuration of this process, parsed once. */
export function getConfig(): Config {
  cached ??= parseConfig();
  return cached;
}

/** Names and expected forms of every variable, for the README check and error messages. */
export const configVariables: ReadonlyArray<{ name: string; expected: string }> = Object.entries(variables).map(([name, v]) => ({
  name,
  expected: v.expected,
}));
