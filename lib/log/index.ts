import pino from "pino";

/** Paths whose values never reach a log line, whatever the caller passes (fast path; the scrubber below is the net). */
export const redactedPaths = [
  "password",
  "*.password",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "authorization",
  "*.authorization",
  "cookie",
  "*.cookie",
  "headers.cookie",
  "headers.authorization",
  "email",
  "*.email",
  "key",
  "*.key",
  "masterKeys",
  "*.masterKeys",
  "databaseUrl",
  "*.databaseUrl",
];

/** Field names whose values are secrets or personal data at any depth. */
const secretKey = /^(pass(word|wd)?|pwd|secret|.*token|api_?key|apikey|code|totp|otp|recovery_?codes?|authorization|cookie|set-cookie|e?mail|email_?address|phone|url|database_?url|dsn|key|master_?keys?|private_?key)$/i;

const textPatterns: [RegExp, string][] = [
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s:@/]+:[^\s@/]+@/gi, "$1[redacted]@"],
  [/\bBearer\s+[\w.~+/=-]+/gi, "Bearer [redacted]"],
  [/\beyJ[\w-]+\.[\w-]+\.[\w-]+/g, "[jwt]"],
  [/\b(pass(?:word|wd)?|pwd|secret|token|api[_-]?key|code|key)=([^\s&"']+)/gi, "$1=[redacted]"],
  [/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, "[email]"],
];

/** Removes credentials, tokens and email addresses from free text. */
export function scrubText(text: string): string {
  return textPatterns.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return scrubText(value);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = secretKey.test(k) ? "[redacted]" : scrubValue(v, depth + 1);
  return out;
}

/** Errors are logged by kind, code and a scrubbed message; query errors (SQL and parameters) lose their message. */
export function serializeError(err: unknown): { type: string; code?: string; message?: string } {
  if (!(err instanceof Error)) return { type: typeof err };
  const code = (err as { code?: unknown }).code ?? (err.cause as { code?: unknown } | undefined)?.code;
  const carriesQuery = /failed query|params:|select |insert |update |delete /i.test(err.message);
  return {
    type: err.name,
    ...(typeof code === "string" ? { code } : {}),
    ...(carriesQuery ? {} : { message: scrubText(err.message.slice(0, 200)) }),
  };
}

function defaultLevel(): string {
  const fromEnv = process.env.LOG_LEVEL;
  if (fromEnv) return fromEnv;
  return process.env.NODE_ENV === "test" || process.env.VITEST ? "silent" : "info";
}

/** The application logger (JSON lines), separate from the audit log: every object and message is scrubbed before it is written. */
export function createLogger(destination: pino.DestinationStream, options: { level?: string } = {}): pino.Logger {
  return pino(
    {
      level: options.level ?? defaultLevel(),
      base: { app: "rampart" },
      redact: { paths: redactedPaths, censor: "[redacted]" },
      serializers: { err: serializeError },
      formatters: {
        log: (object) => {
          const { err, ...rest } = object as Record<string, unknown>;
          return { ...(scrubValue(rest, 0) as Record<string, unknown>), ...(err !== undefined ? { err } : {}) };
        },
      },
      hooks: {
        logMethod(args, method) {
          // An error passed first would lend its unscrubbed message to `msg`.
          const [first, ...rest] = args;
          const normalised = first instanceof Error ? [{ err: first }, typeof rest[0] === "string" ? rest[0] : first.message, ...rest.slice(1)] : args;
          const scrubbed = normalised.map((a) => (typeof a === "string" ? scrubText(a) : a)) as typeof args;
          return method.apply(this, scrubbed);
        },
      },
    },
    destination,
  );
}

export const logger = createLogger(pino.destination({ dest: 1, sync: false }));
