import "server-only";
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import type { MasterKey } from "@/lib/config";
import { loadSecrets } from "@/lib/keys";
import { KeyUnavailableError } from "./errors";

/**
 * Where master keys (key-encryption keys) live. Callers only ask it to wrap and unwrap small keys,
 * never for key bytes, so a cloud KMS (encrypt/decrypt with an encryption context) can implement
 * it without touching anything else.
 */
export interface MasterKeyProvider {
  /** Shown to operators ("environment", "embedded key file", "aws-kms", …). */
  readonly name: string;
  /** Ids this provider can unwrap with, newest first; the first one wraps. */
  keyIds(): string[];
  /** AES-256-GCM (or the KMS's equivalent) of `plaintext` under `masterKeyId`, authenticated with `aad`. */
  wrap(masterKeyId: string, plaintext: Uint8Array, aad: Uint8Array): Promise<Buffer>;
  unwrap(masterKeyId: string, wrapped: Uint8Array, aad: Uint8Array): Promise<Buffer>;
}

const WRAP_FORMAT = 1;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;

/** Master keys held in this process (from the environment or the embedded key file). */
export function createLocalMasterKeyProvider(keys: MasterKey[], name: string): MasterKeyProvider {
  if (keys.length === 0) throw new Error("at least one master key is required");
  const byId = new Map<string, KeyObject>();
  for (const k of keys) {
    if (k.key.length !== 32) throw new Error(`master key ${k.id} must be 32 bytes`);
    byId.set(k.id, createSecretKey(Buffer.from(k.key)));
  }
  const ids = keys.map((k) => k.id);
  const keyOf = (id: string) => {
    const key = byId.get(id);
    if (!key) throw new KeyUnavailableError("master_key_missing", `Master key "${id}" is not configured; it is needed to read keys wrapped by it`);
    return key;
  };
  return {
    name,
    keyIds: () => [...ids],
    async wrap(masterKeyId, plaintext, aad) {
      const nonce = randomBytes(NONCE_LENGTH);
      const cipher = createCipheriv("aes-256-gcm", keyOf(masterKeyId), nonce);
      cipher.setAAD(aad);
      return Buffer.concat([Buffer.from([WRAP_FORMAT]), nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    },
    async unwrap(masterKeyId, wrapped, aad) {
      const key = keyOf(masterKeyId);
      if (wrapped.length < 1 + NONCE_LENGTH + TAG_LENGTH || wrapped[0] !== WRAP_FORMAT)
        throw new KeyUnavailableError("missing", "A wrapped key is malformed");
      const decipher = createDecipheriv("aes-256-gcm", key, wrapped.subarray(1, 1 + NONCE_LENGTH));
      decipher.setAAD(aad);
      decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG_LENGTH));
      try {
        return Buffer.concat([decipher.update(wrapped.subarray(1 + NONCE_LENGTH, wrapped.length - TAG_LENGTH)), decipher.final()]);
      } catch {
        throw new KeyUnavailableError("missing", `A key wrapped by master key "${masterKeyId}" failed authentication (wrong master key or a row moved)`);
      }
    },
  };
}

let provider: MasterKeyProvider | undefined;
const resetHooks = new Set<() => void>();

/** This process's provider: the configured keys (RAMPART_MASTER_KEYS, or the embedded key file). */
export function masterKeyProvider(): MasterKeyProvider {
  if (!provider) {
    const fromEnv = Boolean(process.env.RAMPART_MASTER_KEYS);
    provider = createLocalMasterKeyProvider(loadSecrets().masterKeys, fromEnv ? "environment" : "embedded key file");
  }
  return provider;
}

/** Installs another provider (a KMS, or fixed keys in tests and scripts) and forgets every cached data key. */
export function setMasterKeyProvider(next: MasterKeyProvider | undefined): void {
  provider = next;
  for (const hook of resetHooks) hook();
}

/** Lets caches built on the provider empty themselves when it changes. */
export function onMasterKeyProviderChange(hook: () => void): void {
  resetHooks.add(hook);
}
