import pino from "pino";
import { describe, expect, it } from "vitest";
import { createLogger } from "@/lib/log";

/**
 * Application logs carry no secrets or personal data: known secrets go through the app's logger configuration the
 * ways code passes them, into a captured destination, and the output is searched for each.
 */

const secret = {
  password: "orange-lantern-harbor-42",
  totp: "492817",
  recovery: "k7pq9wzxm2rt",
  email: "alex.sample@example.org",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ",
  apiToken: "rmp_live_9f8e7d6c5b4a3f2e1d0c",
  dbPassword: "pg-Sup3r-s3cret",
};
const databaseUrl = `postgres://rampart:${secret.dbPassword}@db.internal:5432/rampart`;
const userId = "3f0c4d1e-8a57-4c3b-9d6e-2b1a0f9e8d7c";

function capture(write: (logger: pino.Logger) => void): string {
  const lines: string[] = [];
  write(createLogger({ write: (line: string) => void lines.push(line) }, { level: "trace" }));
  expect(lines.length, "something was logged").toBeGreaterThan(0);
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  return lines.join("");
}

type Case = { name: string; write: (logger: pino.Logger) => void; secrets: string[] };

const cases: Case[] = [
  { name: "credentials in the merging object of a sign-in", write: (l) => l.info({ email: secret.email, password: secret.password }, "sign-in attempt"), secrets: [secret.email, secret.password] },
  { name: "credentials one level down", write: (l) => l.warn({ user: { email: secret.email, password: secret.password } }, "sign-in refused"), secrets: [secret.email, secret.password] },
  {
    name: "a request body two levels down",
    write: (l) => l.warn({ req: { body: { email: secret.email, password: secret.password, totp: secret.totp } } }, "bad input"),
    secrets: [secret.email, secret.password, secret.totp],
  },
  { name: "a TOTP code", write: (l) => l.info({ userId, code: secret.totp }, "second factor rejected"), secrets: [secret.totp] },
  { name: "a recovery code", write: (l) => l.info({ userId, recoveryCode: secret.recovery }, "recovery code used"), secrets: [secret.recovery] },
  { name: "a bearer token in headers", write: (l) => l.info({ headers: { authorization: `Bearer ${secret.jwt}` } }, "api call"), secrets: [secret.jwt] },
  { name: "a bearer token in the message", write: (l) => l.info(`request with Authorization: Bearer ${secret.jwt}`), secrets: [secret.jwt] },
  {
    name: "a database URL with its password in an error",
    write: (l) => l.error({ err: new Error(`connect ECONNREFUSED ${databaseUrl}`) }, "database unreachable"),
    secrets: [secret.dbPassword],
  },
  { name: "a database URL in a config object", write: (l) => l.info({ config: { database: { kind: "pg", url: databaseUrl } } }, "starting"), secrets: [secret.dbPassword] },
  { name: "an email interpolated into the message", write: (l) => l.info("invitation sent to %s", secret.email), secrets: [secret.email] },
  {
    name: "a token in a link",
    write: (l) => l.info({ link: `https://rampart.example/reset-password?token=${secret.apiToken}` }, "reset mail queued"),
    secrets: [secret.apiToken],
  },
  {
    name: "an API key inside an array of objects",
    write: (l) => l.info({ integrations: [{ provider: "mailer", apiKey: secret.apiToken }] }, "integrations loaded"),
    secrets: [secret.apiToken],
  },
  { name: "a password in a key=value message", write: (l) => l.warn(`retrying host=db.internal password=${secret.dbPassword}`), secrets: [secret.dbPassword] },
  {
    name: "an error passed first whose message names a person",
    write: (l) => l.error(new Error(`import row 3: duplicate contact ${secret.email}`)),
    secrets: [secret.email],
  },
  {
    name: "a query error carrying SQL parameters",
    write: (l) => l.error({ err: new Error(`Failed query: select * from users where email = $1\nparams: ${secret.email}`) }, "query failed"),
    secrets: [secret.email],
  },
  {
    name: "a query error wrapped as the cause of another",
    write: (l) => l.error({ err: new Error("sign-in failed", { cause: Object.assign(new Error(`params: ${secret.email},${secret.password}`), { code: "23505" }) }) }, "x"),
    secrets: [secret.email, secret.password],
  },
];

describe("application logs", () => {
  for (const c of cases) {
    it(`carry no secret or personal data: ${c.name}`, () => {
      const out = capture(c.write);
      for (const s of c.secrets) expect(out).not.toContain(s);
    });
  }

  it("still say what happened: error kind and code, ids, the message", () => {
    const out = capture((l) => l.error({ err: Object.assign(new Error("duplicate key"), { code: "23505" }), userId }, "contact import failed"));
    expect(JSON.parse(out)).toMatchObject({ app: "rampart", msg: "contact import failed", userId, err: { type: "Error", code: "23505" } });
  });
});
