import "server-only";
import { randomBytes, createHmac, hkdfSync } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { type Config, type MasterKey, getConfig } from "@/lib/config";
import { logger } from "@/lib/log";

const keyFileSchema = z.object({
  version: z.literal(1),
  masterKeys: z.array(z.object({ id: z.string(), key: z.string(), createdAt: z.string() })).min(1),
  authSecret: z.string().min(32),
});

export type Secrets = { masterKeys: MasterKey[]; authSecret: string };

export function embeddedKeyFile(config: Config): string {
  return path.join(config.dataDir, "keys", "master-keys.json");
}

/**
 * Embedded mode only: reads the generated key file, creating it (mode 0600) with a loud warning on first start.
 * With a real database the keys come from the environment and this refuses.
 */
export function ensureEmbeddedSecrets(config: Config): Secrets {
  if (!config.embedded) throw new Error("Generated keys are only for the embedded database; set RAMPART_MASTER_KEYS and AUTH_SECRET");
  const file = embeddedKeyFile(config);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const content = {
      version: 1 as const,
      masterKeys: [{ id: "k1", key: randomBytes(32).toString("base64"), createdAt: new Date().toISOString() }],
      authSecret: randomBytes(32).toString("base64url"),
    };
    try {
      fs.writeFileSync(file, JSON.stringify(content, null, 2) + "\n", { mode: 0o600, flag: "wx" });
      logger.warn(
        { file },
        "GENERATED DEVELOPMENT KEYS: master keys and the session secret were created in the data directory. " +
          "They protect everything in it; anyone with this file can read the data. Never use generated keys in production.",
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  const parsed = keyFileSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`The key file ${file} is damaged; restore it from a backup (data cannot be read without it)`);
  return {
    masterKeys: parsed.data.masterKeys.map((k) => ({ id: k.id, key: Buffer.from(k.key, "base64") })),
    authSecret: parsed.data.authSecret,
  };
}

/** The secrets of this process: from the environment, or the embedded key file. */
export function loadSecrets(config: Config = getConfig()): Secrets {
  if (config.masterKeys && config.authSecret) return { masterKeys: config.masterKeys, authSecret: config.authSecret };
  const embedded = ensureEmbeddedSecrets(config);
  return { masterKeys: config.masterKeys ?? embedded.masterKeys, authSecret: config.authSecret ?? embedded.authSecret };
}

/** Environment entries that hand the embedded secrets to a child process (next start), so every runtime sees one set. */
export function secretsAsEnv(secrets: Secrets): Record<string, string> {
  return {
    RAMPART_MASTER_KEYS: secrets.masterKeys.map((k) => `${k.id}:${k.key.toString("base64")}`).join(","),
    AUTH_SECRET: secrets.authSecret,
  };
}

let derivedCache: Map<string, Buffer> | undefined;

/** A 32-byte key for one purpose, derived from the session secret so that purposes never share a key. */
export function derivedKey(purpose: string): Buffer {
  derivedCache ??= new Map();
  let key = derivedCache.get(purpose);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", loadSecrets().authSecret, "rampart", purpose, 32));
    derivedCache.set(purpose, key);
  }
  return key;
}

/** Keyed, truncated hash of a client address: lets us match repeat visitors without storing the address. */
export function hashClientAddress(address: string | null | undefined): string | null {
  if (!address) return null;
  return createHmac("sha256", derivedKey("client-address")).update(address.trim().toLowerCase()).digest("base64url").slice(0, 22);
}
