import "server-only";
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { loadSecrets } from "@/lib/keys";

/**
 * Seals small account secrets (TOTP seeds) with AES-256-GCM under a key derived from the newest
 * master key; the key id travels with the ciphertext so older keys still open it after rotation.
 * `context` (e.g. "totp:<user id>") is bound as associated data: a sealed value moved to another
 * account does not open.
 */
function keyFor(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", masterKey, "rampart-account-secrets", "account-secret-box-v1", 32));
}

export function sealAccountSecret(plaintext: string, context: string): string {
  const [newest] = loadSecrets().masterKeys;
  if (!newest) throw new Error("No master key");
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFor(newest.key), iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", newest.id, iv.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

export function openAccountSecret(sealed: string, context: string): string {
  const [version, keyId, iv, body, tag] = sealed.split(".");
  if (version !== "v1" || !keyId || !iv || !body || !tag) throw new Error("Unknown sealed secret format");
  const master = loadSecrets().masterKeys.find((k) => k.id === keyId);
  if (!master) throw new Error(`Master key ${keyId} is not available`);
  const decipher = createDecipheriv("aes-256-gcm", keyFor(master.key), Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
