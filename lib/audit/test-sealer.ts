import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { BlobStore } from "@/lib/storage/blob-store";
import { archiveBlobKey, readBlob, type ArchiveLocation, type ArchiveSealer } from "./archive";

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
  const aad = (at: ArchiveLocation, ref: string) => Buffer.from(`rampart-audit-archive\n${at.orgId ?? "account"}\n${at.archiveId}\n${ref}`);
  return {
    async write(blobs: BlobStore, at, plaintext) {
      const ref = archiveBlobKey(at);
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", keyOf(at.orgId, true), iv).setAAD(aad(at, ref));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]);
      await blobs.put(ref, sealed);
      return { ref, size: sealed.length };
    },
    async read(blobs, at) {
      const stored = await readBlob(blobs, at.ref);
      if (!stored) return null;
      const buf = Buffer.from(stored);
      const decipher = createDecipheriv("aes-256-gcm", keyOf(at.orgId, false), buf.subarray(0, 12)).setAAD(aad(at, at.ref));
      decipher.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]);
    },
    async discard(blobs, at) {
      await blobs.delete(at.ref);
    },
    destroyKey(orgId) {
      keys.delete(orgId ?? "account");
    },
  };
}
