import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig as parseEnv, parseMasterKeyList } from "./index";

/** parseConfig over a plain variable map (ProcessEnv's type insists on NODE_ENV). */
const parseConfig = (env: Record<string, string | undefined>, cwd: string) => parseEnv(env as NodeJS.ProcessEnv, cwd);

const key = (byte: number) => Buffer.alloc(32, byte).toString("base64");
const REAL_DB = "postgres://rampart:secret@db.internal:5432/rampart";
const SECRETS = { RAMPART_MASTER_KEYS: `k2:${key(2)},k1:${key(1)}`, AUTH_SECRET: "x".repeat(40) };

/** Runs parseConfig and returns the ConfigError it throws (fails the test when it does not throw one). */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    parseConfig(env, "/srv/rampart");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("parseConfig accepted the environment");
}

describe("parseConfig", () => {
  it("defaults to the embedded mode on loopback with generated keys and the demo data", () => {
    const config = parseConfig({}, "/srv/rampart");
    expect(config.embedded).toBe(true);
    expect(config.database).toEqual({ kind: "pglite", dataDir: path.join("/srv/rampart", ".data", "db") });
    expect(config.dataDir).toBe(path.join("/srv/rampart", ".data"));
    expect(config.host).toBe("127.0.0.1");
    expect(config.port).toBe(3000);
    expect(config.appUrl).toBe("http://localhost:3000");
    expect(config.secureCookies).toBe(false);
    expect(config.rateLimit).toEqual({ kind: "postgres" });
    expect(config.blob).toEqual({ kind: "local", dir: path.join("/srv/rampart", ".data", "blobs") });
    expect(config.masterKeys).toBeUndefined();
    expect(config.authSecret).toBeUndefined();
    expect(config.demo).toEqual({ enabled: true, password: "orange-lantern-harbor-42" });
  });

  it("treats an empty variable as unset", () => {
    expect(parseConfig({ DATABASE_URL: "", PORT: "" }, "/srv/rampart").embedded).toBe(true);
  });

  it("uses secure cookies exactly when the public URL is https", () => {
    expect(parseConfig({ APP_URL: "https://rampart.example.org/" }, "/srv").secureCookies).toBe(true);
    expect(parseConfig({ APP_URL: "https://rampart.example.org/" }, "/srv").appUrl).toBe("https://rampart.example.org");
    expect(parseConfig({ APP_URL: "http://rampart.example.org" }, "/srv").secureCookies).toBe(false);
  });

  it.each(["mysql://user:hunter2@host/db", "not a url hunter2", "postgres://:hunter2@/db", "http://user:hunter2@db.example/rampart"])("refuses DATABASE_URL=%s naming the variable", (url) => {
    const err = configError({ DATABASE_URL: url, ...SECRETS });
    expect(err.variable).toBe("DATABASE_URL");
    expect(err.message).toContain("DATABASE_URL");
    expect(err.message).toMatch(/postgres(ql)?:\/\//);
    // The message describes the expected form; it never echoes the (possibly secret) value.
    expect(err.message).not.toContain("hunter2");
  });

  it("requires RAMPART_MASTER_KEYS with a real DATABASE_URL", () => {
    const err = configError({ DATABASE_URL: REAL_DB, AUTH_SECRET: SECRETS.AUTH_SECRET });
    expect(err.variable).toBe("RAMPART_MASTER_KEYS");
    expect(err.message).toContain("RAMPART_MASTER_KEYS");
    expect(err.message).not.toContain("secret@");
  });

  it("requires AUTH_SECRET with a real DATABASE_URL", () => {
    expect(configError({ DATABASE_URL: REAL_DB, RAMPART_MASTER_KEYS: SECRETS.RAMPART_MASTER_KEYS }).variable).toBe("AUTH_SECRET");
  });

  it("accepts a real database with explicit keys, newest key first", () => {
    const config = parseConfig({ DATABASE_URL: REAL_DB, ...SECRETS }, "/srv");
    expect(config.embedded).toBe(false);
    expect(config.database).toEqual({ kind: "pg", url: REAL_DB });
    expect(config.host).toBe("0.0.0.0");
    expect(config.demo.enabled).toBe(false);
    expect(config.masterKeys?.map((k) => k.id)).toEqual(["k2", "k1"]);
    expect(config.masterKeys?.[0]?.key).toEqual(Buffer.alloc(32, 2));
  });

  it("selects the Neon driver only when asked, and refuses a driver without a database", () => {
    const neon = parseConfig({ DATABASE_URL: REAL_DB, DATABASE_DRIVER: "neon", NEON_WS_PROXY: "localhost:5433/v1", ...SECRETS }, "/srv");
    expect(neon.database).toEqual({ kind: "neon", url: REAL_DB, wsProxy: "localhost:5433/v1" });
    expect(configError({ DATABASE_DRIVER: "neon" }).variable).toBe("DATABASE_DRIVER");
    expect(configError({ DATABASE_URL: REAL_DB, DATABASE_DRIVER: "mysql", ...SECRETS }).variable).toBe("DATABASE_DRIVER");
  });

  it.each([
    ["a key of the wrong length", `k1:${Buffer.alloc(16, 1).toString("base64")}`],
    ["a key that is not base64 of 32 bytes", "k1:not-base64!!"],
    ["duplicate ids", `k1:${key(1)},k1:${key(2)}`],
    ["an entry without an id", `:${key(1)}`],
    ["an entry with two colons", `k1:${key(1)}:extra`],
  ])("refuses RAMPART_MASTER_KEYS with %s", (_, value) => {
    const err = configError({ DATABASE_URL: REAL_DB, AUTH_SECRET: SECRETS.AUTH_SECRET, RAMPART_MASTER_KEYS: value });
    expect(err.variable).toBe("RAMPART_MASTER_KEYS");
    expect(err.message).toMatch(/id:base64/);
    expect(err.message).not.toContain(key(1));
  });

  it("refuses a malformed master key list even in embedded mode", () => {
    expect(configError({ RAMPART_MASTER_KEYS: "k1:short" }).variable).toBe("RAMPART_MASTER_KEYS");
  });

  it("refuses a short AUTH_SECRET", () => {
    expect(configError({ AUTH_SECRET: "too-short" }).variable).toBe("AUTH_SECRET");
  });

  it.each([
    [{ UPSTASH_REDIS_REST_URL: "https://eu1-x.upstash.io" }, "UPSTASH_REDIS_REST_TOKEN"],
    [{ UPSTASH_REDIS_REST_TOKEN: "AXXXabcdefghijklmnop" }, "UPSTASH_REDIS_REST_URL"],
  ])("requires the Upstash URL and token together (%o)", (env, missing) => {
    const err = configError(env);
    expect(err.variable).toBe(missing);
    expect(err.message).toContain(missing);
  });

  it("picks the rate limiter backend: Upstash pair, then REDIS_URL, then PostgreSQL", () => {
    const upstash = parseConfig({ UPSTASH_REDIS_REST_URL: "https://eu1-x.upstash.io", UPSTASH_REDIS_REST_TOKEN: "AXXXabcdefghijklmnop", REDIS_URL: "redis://127.0.0.1:6379" }, "/srv");
    expect(upstash.rateLimit).toEqual({ kind: "upstash", url: "https://eu1-x.upstash.io", token: "AXXXabcdefghijklmnop" });
    expect(parseConfig({ REDIS_URL: "redis://127.0.0.1:6379" }, "/srv").rateLimit).toEqual({ kind: "redis", url: "redis://127.0.0.1:6379" });
    expect(configError({ REDIS_URL: "http://127.0.0.1:6379" }).variable).toBe("REDIS_URL");
  });

  it.each([
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["NODE_ENV", "staging"],
    ["APP_URL", "ftp://rampart.example.org"],
    ["LOG_LEVEL", "loud"],
    ["RAMPART_DEMO", "yes"],
  ])("names %s when it is malformed (%s)", (name, value) => {
    expect(configError({ [name]: value }).variable).toBe(name);
  });

  it("can switch the demo data off and sets the listening port", () => {
    const config = parseConfig({ RAMPART_DEMO: "0", PORT: "3100" }, "/srv");
    expect(config.demo.enabled).toBe(false);
    expect(config.port).toBe(3100);
    expect(config.appUrl).toBe("http://localhost:3100");
  });
});

describe("parseMasterKeyList", () => {
  it("parses id:base64 pairs in order", () => {
    const keys = parseMasterKeyList(` new:${key(9)} , old:${key(8)}`);
    expect(keys.map((k) => k.id)).toEqual(["new", "old"]);
    expect(keys[1]?.key.equals(Buffer.alloc(32, 8))).toBe(true);
  });

  it("throws on duplicate ids and wrong lengths", () => {
    expect(() => parseMasterKeyList(`a:${key(1)},a:${key(1)}`)).toThrow(/duplicate/);
    expect(() => parseMasterKeyList(`a:${Buffer.alloc(31).toString("base64")}`)).toThrow(/length/);
  });
});
