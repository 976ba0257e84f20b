import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { encryptedFiles, type Sealed } from "@/db/schema/crypto";
import type { Database, Transaction } from "@/lib/db/client";
import { withTenant, type TenantContext } from "@/lib/db/tenant";
import type { BlobStore } from "@/lib/storage/blob-store";
import { CryptoError } from "./errors";
import { decryptFieldBytes, encryptField, placeName, sealedKeyVersion, type FieldPlace } from "./fields";
import { decryptStream, encryptStream } from "./pgp/stream";

/**
 * Files: each is one OpenPGP message (SEIPD v2, AES-256-GCM, 256 KiB chunks) under its own random
 * key, streamed into the blob store as it is read, so no plaintext ever reaches a disk or a whole
 * buffer. The file key is sealed in the encrypted_files row under the organisation's data key.
 */
export type StoredFile = { id: string; size: number; createdAt: Date };

export class FileNotFoundError extends CryptoError {
  constructor() {
    super("file_not_found", "No such file in this organisation");
    this.name = "FileNotFoundError";
  }
}

const fileKeyPlace = (orgId: string, id: string): FieldPlace => ({ orgId, table: "encrypted_files", column: "file_key", rowId: id });
/** The blob's literal packet is bound to its file the same way a field is bound to its row. */
const contentName = (orgId: string, id: string) => placeName({ orgId, table: "encrypted_files", column: "content", rowId: id });
const newBlobKey = (orgId: string, id: string) => `org/${orgId}/files/${id}/${randomUUID()}.pgp`;

function sourceStream(data: Uint8Array | ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  if (!(data instanceof Uint8Array)) return data;
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (sent) return controller.close();
      sent = true;
      controller.enqueue(data);
    },
  });
}

/** Passes chunks through one at a time (no read-ahead) while counting them. */
function counted(stream: ReadableStream<Uint8Array>, onChunk: (n: number) => void): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        onChunk(value.byteLength);
        controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

async function sealFileKey(tx: Transaction, orgId: string, id: string, key: Uint8Array): Promise<Sealed<Uint8Array>> {
  return (await encryptField({ tx, ...fileKeyPlace(orgId, id) }, key)) as Sealed<Uint8Array>;
}

/** Encrypts `data` into the store as it streams and records the file; returns its id. */
export async function putEncryptedFile(
  db: Database,
  store: BlobStore,
  tenant: TenantContext,
  data: Uint8Array | ReadableStream<Uint8Array>,
): Promise<StoredFile> {
  const { orgId } = tenant;
  const id = randomUUID();
  const fileKey = randomBytes(32);
  const blobKey = newBlobKey(orgId, id);
  let size = 0;
  const plaintext = counted(sourceStream(data), (n) => (size += n));
  await store.put(blobKey, encryptStream(fileKey, plaintext, contentName(orgId, id)));
  try {
    return await withTenant(db, tenant, async (tx) => {
      const [row] = await tx
        .insert(encryptedFiles)
        .values({ id, orgId, blobKey, fileKey: await sealFileKey(tx, orgId, id, fileKey), size })
        .returning({ id: encryptedFiles.id, size: encryptedFiles.size, createdAt: encryptedFiles.createdAt });
      return row!;
    });
  } catch (err) {
    await store.delete(blobKey).catch(() => undefined);
    throw err;
  }
}

async function fileRow(tx: Transaction, orgId: string, id: string) {
  const [row] = await tx.select().from(encryptedFiles).where(and(eq(encryptedFiles.orgId, orgId), eq(encryptedFiles.id, id)));
  if (!row) throw new FileNotFoundError();
  return row;
}

async function loadFile(db: Database, store: BlobStore, tenant: TenantContext, id: string) {
  const { orgId } = tenant;
  const { row, fileKey } = await withTenant(db, tenant, async (tx) => {
    const row = await fileRow(tx, orgId, id);
    return { row, fileKey: await decryptFieldBytes({ tx, ...fileKeyPlace(orgId, id) }, row.fileKey) };
  });
  const blob = await store.get(row.blobKey);
  if (!blob) throw new FileNotFoundError();
  return { row, stream: decryptStream(fileKey, blob, contentName(orgId, id)) };
}

/** A decrypting stream of the file: only authenticated chunks come out; a modified or cut blob errors the stream. */
export async function openEncryptedFile(
  db: Database,
  store: BlobStore,
  tenant: TenantContext,
  id: string,
): Promise<{ id: string; size: number; stream: ReadableStream<Uint8Array> }> {
  const { row, stream } = await loadFile(db, store, tenant, id);
  return { id, size: row.size, stream };
}

export async function deleteEncryptedFile(db: Database, store: BlobStore, tenant: TenantContext, id: string): Promise<boolean> {
  const [row] = await withTenant(db, tenant, (tx) =>
    tx
      .delete(encryptedFiles)
      .where(and(eq(encryptedFiles.orgId, tenant.orgId), eq(encryptedFiles.id, id)))
      .returning({ blobKey: encryptedFiles.blobKey }),
  );
  if (row) await store.delete(row.blobKey);
  return Boolean(row);
}

/** Data-key version the file's key is sealed under. */
export function fileKeyVersion(row: { fileKey: Uint8Array }): number {
  return sealedKeyVersion(row.fileKey);
}

/**
 * Key rotation of one file: streams the blob through decryption under the old file key and
 * encryption under a new one into a new blob, then `commit` (the job's step) swaps the row to it
 * under the active data key. The old blob is deleted after the commit; if the file changed
 * meanwhile, the new blob is dropped instead. Returns false when the file is gone.
 */
export async function reencryptFile(
  db: Database,
  store: BlobStore,
  orgId: string,
  id: string,
  commit: (swap: (tx: Transaction) => Promise<boolean>) => Promise<boolean>,
): Promise<boolean> {
  const opened = await loadFile(db, store, { orgId }, id).catch((err: unknown) => {
    if (err instanceof FileNotFoundError) return null;
    throw err;
  });
  if (!opened) return false;
  const oldBlobKey = opened.row.blobKey;
  const fileKey = randomBytes(32);
  const blobKey = newBlobKey(orgId, id);
  await store.put(blobKey, encryptStream(fileKey, opened.stream, contentName(orgId, id)));
  const swapped = await commit(async (tx) => {
    const updated = await tx
      .update(encryptedFiles)
      .set({ blobKey, fileKey: await sealFileKey(tx, orgId, id, fileKey), updatedAt: new Date() })
      .where(and(eq(encryptedFiles.orgId, orgId), eq(encryptedFiles.id, id), eq(encryptedFiles.blobKey, oldBlobKey)))
      .returning({ id: encryptedFiles.id });
    return updated.length > 0;
  }).catch(async (err: unknown) => {
    await store.delete(blobKey).catch(() => undefined);
    throw err;
  });
  await store.delete(swapped ? oldBlobKey : blobKey);
  return swapped;
}
