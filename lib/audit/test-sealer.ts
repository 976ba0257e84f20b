import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { ArchiveContext, ArchiveSealer } from "./archive";

/**
 * AES-256-GCM with one random key per organisation, held in memory: for tests and the bench, where the real
 * organisation keys (lib/crypto) are not the subject. `destroyKey` is crypto-shredding in miniature.
 */
export function createTestArchiveSealer(): ArchiveSealer & { destroyKey(orgId: string | null): void } {
  const keys = new Map<string, Buffer>();
  const keyOf = (orgId: string | null, create: boolean) => {
    const name = orgId ?? "account";
    let key = keys.get(name);
    if (!key && create) keys.set(name, (key = randomBytes(32)));
    if (!key) throw new Error("no key for this organisation");
    return key;
  };
  const aad = (ctx: ArchiveContext) => Buffer.from(`rampart-audit-archive\n${ctx.orgId ?? "account"}\n${ctx.archiveId}\n${ctx.blobKey}`);
  return {
    async seal(plaintext, ctx) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", keyOf(ctx.orgId, true), iv).setAAD(aad(ctx));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    async open(ciphertext, ctx) {
      const buf = Buffer.from(ciphertext);
      const decipher = createDecipheriv("aes-256-gcm", keyOf(ctx.orgId, false), buf.subarray(0, 12)).setAAD(aad(ctx));
      decipher.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]);
    },
    destroyKey(orgId) {
      keys.delete(orgId ?? "account");
    },
  };
}
