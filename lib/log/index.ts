import pino from "pino";

/** Paths whose values never reach a log line, whatever the caller passes. */
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

/** Errors are logged by kind and code only: messages of query errors carry SQL and parameters. */
export function serializeError(err: unknown): { type: string; code?: string; message?: string } {
  if (!(err instanceof Error)) return { type: typeof err };
  const code = (err as { code?: unknown }).code ?? (err.cause as { code?: unknown } | undefined)?.code;
  const carriesQuery = /failed query|params:|select |insert |update |delete /i.test(err.message);
  return {
    type: err.name,
    ...(typeof code === "string" ? { code } : {}),
    ...(carriesQuery ? {} : { message: err.message.slice(0, 200) }),
  };
}

function level(): string {
  const fromEnv = process.env.LOG_LEVEL;
  if (fromEnv) return fromEnv;
  return process.env.NODE_ENV === "test" || process.env.VITEST ? "silent" : "info";
}

/** Application log (JSON lines on stdout), separate from the audit log. */
export const logger = pino({
  level: level(),
  base: { app: "rampart" },
  redact: { paths: redactedPaths, censor: "[redacted]" },
  serializers: { err: serializeError },
});
