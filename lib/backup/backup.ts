import "server-only";
import { createHash, randomBytes } from "node:crypto";
import type { Database, DatabaseHandle } from "@/lib/db/client";
import type { BlobStore } from "@/lib/storage/blob-store";
import { encryptStream } from "@/lib/crypto/pgp/stream";
import { EscrowKeys } from "./escrow";
import { BackupTargetError } from "./errors";
import { backupKeyId, backupSubkey } from "./key";
import { backupBlobKey, isBackupId, manifestBlobKey, signManifest, type BackupManifest } from "./manifest";
import { writeSnapshot } from "./snapshot";

export type BackupStores = {
  /** Where backups and manifests are written. */
  target: BlobStore;
  /** The app's blob store: holds each campaign's escrow key under org/<id>/, which deleting the campaign removes. */
  blobs: BlobStore;
};

export type BackupInput = BackupStores & {
  db: Database;
  driver: DatabaseHandle["driver"];
  backupKey: Buffer;
  now?: Date;
  onTable?(name: string): Promise<void>;
};

export function newBackupId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")}-${randomBytes(3).toString("hex")}`;
}

/** The literal packet name binds a backup's ciphertext to its id: one backup's blob cannot stand in for another's. */
export const backupStreamName = (id: string) => Buffer.from(`rampart-backup:${id}`);

/** Passes chunks through while hashing and counting them. */
export function hashing(stream: ReadableStream<Uint8Array>, into: { hash: ReturnType<typeof createHash>; bytes: number }): ReadableStream<Uint8Array> {
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        into.hash.update(chunk);
        into.bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * Takes one backup: the snapshot streams through OpenPGP encryption (a key derived from the backup
 * key for this backup id) into the target store as it is read, so memory stays flat whatever the
 * size; then the signed manifest is written beside it. A failure anywhere leaves no backup behind.
 */
export async function takeBackup(input: BackupInput): Promise<BackupManifest> {
  const now = input.now ?? new Date();
  const id = newBackupId(now);
  const pipe = new TransformStream<Uint8Array, Uint8Array>();
  const writer = pipe.writable.getWriter();
  const cipher = { hash: createHash("sha256"), bytes: 0 };

  const producing = writeSnapshot(input.db, {
    escrow: new EscrowKeys(input.blobs, input.backupKey),
    onTable: input.onTable,
    async write(chunk) {
      await writer.ready;
      await writer.write(chunk);
    },
  }).then(
    async (facts) => {
      await writer.close();
      return facts;
    },
    async (err: unknown) => {
      await writer.abort(err).catch(() => undefined);
      throw err;
    },
  );
  const storing = input.target.put(backupBlobKey(id), hashing(encryptStream(backupSubkey(input.backupKey, "stream", id), pipe.readable, backupStreamName(id)), cipher));

  const [facts, stored] = await Promise.allSettled([producing, storing]);
  if (stored.status === "rejected" || facts.status === "rejected") {
    await input.target.delete(backupBlobKey(id)).catch(() => undefined);
    throw stored.status === "rejected" ? new BackupTargetError(stored.reason) : (facts as PromiseRejectedResult).reason;
  }
  const f = facts.value;
  const manifest = signManifest(input.backupKey, {
    format: 1,
    id,
    createdAt: now.toISOString(),
    driver: input.driver,
    backupKeyId: backupKeyId(input.backupKey),
    migration: f.migration,
    tables: f.tables,
    chainHeads: f.chainHeads,
    masterKeyIds: f.masterKeyIds,
    orgKeys: f.orgKeys,
    plaintext: { bytes: f.plaintextBytes, sha256: f.plaintextSha256 },
    ciphertext: { bytes: cipher.bytes, sha256: cipher.hash.digest("hex") },
  });
  try {
    await input.target.put(manifestBlobKey(id), Buffer.from(JSON.stringify(manifest, null, 2) + "\n"));
  } catch (err) {
    await input.target.delete(backupBlobKey(id)).catch(() => undefined);
    throw new BackupTargetError(err);
  }
  return manifest;
}

/** Ids of the complete backups (manifest present) in the store, oldest first. */
export async function listBackupIds(target: BlobStore): Promise<string[]> {
  const keys = await target.list("backups/");
  return keys
    .map((k) => /^backups\/(.+)\.manifest\.json$/.exec(k)?.[1])
    .filter((id): id is string => Boolean(id && isBackupId(id)))
    .sort();
}

const dayOf = (id: string) => id.slice(0, 8);
/** The ISO week (year and week number) of a backup id's date. */
function weekOf(id: string): string {
  const d = new Date(Date.UTC(Number(id.slice(0, 4)), Number(id.slice(4, 6)) - 1, Number(id.slice(6, 8))));
  const weekday = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - weekday + 3); // the Thursday of this week decides its year
  const week = Math.ceil(((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** Keeps the newest backup of each of the newest `daily` days and of each of the newest `weekly` ISO weeks; the rest go. */
export function backupsToDelete(ids: string[], keep: { daily: number; weekly: number }): string[] {
  const newestFirst = [...ids].sort().reverse();
  const kept = new Set<string>();
  const pick = (period: (id: string) => string, count: number) => {
    const seen = new Set<string>();
    for (const id of newestFirst) {
      const p = period(id);
      if (seen.has(p)) continue;
      if (seen.size >= count) break;
      seen.add(p);
      kept.add(id);
    }
  };
  pick(dayOf, keep.daily);
  pick(weekOf, keep.weekly);
  return newestFirst.filter((id) => !kept.has(id)).reverse();
}

export async function applyRetention(target: BlobStore, keep: { daily: number; weekly: number }): Promise<string[]> {
  const doomed = backupsToDelete(await listBackupIds(target), keep);
  for (const id of doomed) {
    await target.delete(manifestBlobKey(id));
    await target.delete(backupBlobKey(id));
  }
  return doomed;
}
