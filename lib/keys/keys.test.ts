import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

const ENV_SECRET = "keys-test-auth-secret-".padEnd(48, "s");
vi.hoisted(() => {
  process.env.AUTH_SECRET = "keys-test-auth-secret-".padEnd(48, "s");
  process.env.RAMPART_MASTER_KEYS = `env1:${Buffer.alloc(32, 5).toString("base64")}`;
});

const configModule = await import("@/lib/config");
const { parseMasterKeyList } = configModule;
const parseConfig = (env: Record<string, string | undefined>, cwd: string) => configModule.parseConfig(env as NodeJS.ProcessEnv, cwd);
const { derivedKey, embeddedKeyFile, ensureEmbeddedSecrets, hashClientAddress, loadSecrets, secretsAsEnv } = await import("./index");

const dirs: string[] = [];
function embeddedConfig() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-keys-"));
  dirs.push(dir);
  return parseConfig({ RAMPART_DATA_DIR: dir }, dir);
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("embedded secrets", () => {
  it("generates a 32-byte master key and a session secret into a 0600 file on first start", () => {
    const config = embeddedConfig();
    const secrets = ensureEmbeddedSecrets(config);
    expect(secrets.masterKeys).toHaveLength(1);
    expect(secrets.masterKeys[0]!.key).toHaveLength(32);
    expect(secrets.authSecret.length).toBeGreaterThanOrEqual(32);
    const file = embeddedKeyFile(config);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o077).toBe(0);
  });

  it("reads the same keys on the next start instead of generating new ones", () => {
    const config = embeddedConfig();
    const first = ensureEmbeddedSecrets(config);
    const second = ensureEmbeddedSecrets(config);
    expect(second.authSecret).toBe(first.authSecret);
    expect(second.masterKeys[0]!.key.equals(first.masterKeys[0]!.key)).toBe(true);
    expect(ensureEmbeddedSecrets(embeddedConfig()).authSecret).not.toBe(first.authSecret);
  });

  it("refuses to generate keys for a real database", () => {
    const config = parseConfig(
      { DATABASE_URL: "postgres://u:p@db.internal/rampart", RAMPART_MASTER_KEYS: process.env.RAMPART_MASTER_KEYS, AUTH_SECRET: ENV_SECRET },
      os.tmpdir(),
    );
    expect(() => ensureEmbeddedSecrets(config)).toThrow(/RAMPART_MASTER_KEYS/);
  });

  it("stops with a clear message when the key file is damaged", () => {
    const config = embeddedConfig();
    ensureEmbeddedSecrets(config);
    fs.writeFileSync(embeddedKeyFile(config), JSON.stringify({ version: 1, masterKeys: [], authSecret: "short" }));
    expect(() => ensureEmbeddedSecrets(config)).toThrow(/damaged/);
  });

  it("hands the secrets to a child process in the environment format the config accepts", () => {
    const secrets = ensureEmbeddedSecrets(embeddedConfig());
    const env = secretsAsEnv(secrets);
    expect(parseMasterKeyList(env.RAMPART_MASTER_KEYS!)).toEqual(secrets.masterKeys);
    expect(env.AUTH_SECRET).toBe(secrets.authSecret);
  });
});

describe("loadSecrets", () => {
  it("prefers keys from the environment and writes no key file then", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-keys-"));
    dirs.push(dir);
    const config = parseConfig({ RAMPART_DATA_DIR: dir, AUTH_SECRET: ENV_SECRET, RAMPART_MASTER_KEYS: process.env.RAMPART_MASTER_KEYS }, dir);
    const secrets = loadSecrets(config);
    expect(secrets.authSecret).toBe(ENV_SECRET);
    expect(secrets.masterKeys.map((k) => k.id)).toEqual(["env1"]);
    expect(fs.existsSync(embeddedKeyFile(config))).toBe(false);
  });
});

describe("derived keys and address hashes", () => {
  it("derives a distinct 32-byte key per purpose, stable within the process", () => {
    const a = derivedKey("purpose-a");
    expect(a).toHaveLength(32);
    expect(derivedKey("purpose-a").equals(a)).toBe(true);
    expect(derivedKey("purpose-b").equals(a)).toBe(false);
  });

  it("hashes client addresses with a key, deterministically, ignoring case and spaces", () => {
    const h = hashClientAddress("2001:DB8::1 ");
    expect(h).toBe(hashClientAddress("2001:db8::1"));
    expect(h).toMatch(/^[\w-]{22}$/);
    expect(h).not.toBe(hashClientAddress("2001:db8::2"));
    expect(hashClientAddress(null)).toBeNull();
    expect(hashClientAddress("")).toBeNull();
  });
});
