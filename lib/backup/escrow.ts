import "server-only";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { BlobStore } from "@/lib/storage/blob-store";
import { backupSubkey } from "./key";

/**
 * Crypto-shredding across backups. Every campaign's wrapped keys are encrypted once more inside a
 * backup, under that campaign's escrow key. The escrow key lives in the blob store under
 * `org/<id>/` (wrapped by the backup key), never in a backup, and deleting the campaign removes
 * that prefix: from then on the campaign's keys in every older backup are ciphertext under a key
 * that no longer exists anywhere.
 */
const FORMAT = 1;
const NONCE = 12;
const TAG = 16;

export const escrowBlobKey = (orgId: string) => `org/${orgId}/backup-escrow.key`;

function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(aad));
  return Buffer.concat([Buffer.from([FORMAT]), nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Null when the bytes do not authenticate under `key` with `aad`. */
function open(key: Buffer, sealed: Buffer, aad: string): Buffer | null {
  if (sealed.length < 1 + NONCE + TAG || sealed[0] !== FORMAT) return null;
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(1, 1 + NONCE));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(1 + NONCE, sealed.length - TAG)), decipher.final()]);
  } catch {
    return null;
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part);
  return Buffer.concat(parts);
}

const escrowAad = (orgId: string) => `rampart/backup-escrow/v1\0${orgId}`;

/** The campaign escrow keys of one backup run: read once, created on first use. */
export class EscrowKeys {
  private readonly cache = new Map<string, Buffer | null>();
  private readonly wrapKey: Buffer;

  constructor(private readonly store: BlobStore, backupKey: Buffer) {
    this.wrapKey = backupSubkey(backupKey, "escrow", "escrow");
  }

  /** The campaign's escrow key, or null when it was destroyed (the campaign was deleted). */
  async find(orgId: string): Promise<Buffer | null> {
    if (this.cache.has(orgId)) return this.cache.get(orgId)!;
    const stream = await this.store.get(escrowBlobKey(orgId));
    const key = stream ? open(this.wrapKey, await readAll(stream), escrowAad(orgId)) : null;
    if (stream && !key) throw new Error(`The backup escrow key of campaign ${orgId} does not open with this backup key`);
    this.cache.set(orgId, key);
    return key;
  }

  async findOrCreate(orgId: string): Promise<Buffer> {
    const found = await this.find(orgId);
    if (found) return found;
    const key = randomBytes(32);
    await this.store.put(escrowBlobKey(orgId), seal(this.wrapKey, key, escrowAad(orgId)));
    this.cache.set(orgId, key);
    return key;
  }
}

const keyRowAad = (orgId: string, kind: string, version: number) => `rampart/backup-org-key/v1\0${orgId}\0${kind}\0${version}`;

/** A wrapped campaign key as written into a backup. */
export function escrowWrap(escrowKey: Buffer, wrapped: Buffer, row: { orgId: string; kind: string; version: number }): Buffer {
  return seal(escrowKey, wrapped, keyRowAad(row.orgId, row.kind, row.version));
}

export function escrowUnwrap(escrowKey: Buffer, sealed: Buffer, row: { orgId: string; kind: string; version: number }): Buffer {
  const out = open(escrowKey, sealed, keyRowAad(row.orgId, row.kind, row.version));
  if (!out) throw new Error(`A key of campaign ${row.orgId} in the backup does not open with its escrow key`);
  return out;
}
