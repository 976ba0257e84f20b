import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { auditArchives, type AuditArchive } from "@/db/schema/audit";
import type { Database, Queryable } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { NotFoundError } from "@/lib/errors";
import type { BlobStore } from "@/lib/storage/blob-store";
import { archiveLine, type ChainKey, type SealedEvent } from "./chain";
import { recordAuditEvent, type AuditActor } from "./record";
import { withAuditSystemScope } from "./scope";
import { isUuid, uuidSchema } from "@/lib/validation/ids";
import { readAll } from "@/lib/streams";

/** Which archive: the chain it belongs to (null: the account chain) and its id. A sealer binds its ciphertext to both. */
export type ArchiveLocation = { orgId: string | null; archiveId: string };
/** A stored archive: its location plus the reference the sealer returned (kept in audit_archives.blob_key). */
export type StoredArchive = ArchiveLocation & { ref: string };

/**
 * Encrypts archive files into the blob store and reads them back. The production sealer (sealers.ts) puts an
 * organisation's archives under that organisation's keys, so destroying those keys makes them unreadable for good
 * (crypto-shredding), and key rotation re-encrypts them with the organisation's other files.
 */
export interface ArchiveSealer {
  /** Encrypts and stores one archive; returns the reference to record and the stored size in bytes. */
  write(blobs: BlobStore, at: ArchiveLocation, plaintext: Uint8Array): Promise<{ ref: string; size: number }>;
  /** The decrypted archive; null when nothing is stored under the reference; throws when it cannot be decrypted. */
  read(blobs: BlobStore, at: StoredArchive): Promise<Uint8Array | null>;
  /** Removes an archive that was written but never recorded. */
  discard(blobs: BlobStore, at: StoredArchive): Promise<void>;
}

export class ArchiveUnreadableError extends Error {
  constructor(
    readonly archiveId: string,
    readonly reason: "missing" | "undecryptable" | "malformed",
  ) {
    super(
      reason === "missing"
        ? `Audit archive ${archiveId} is missing from the file store`
        : reason === "undecryptable"
          ? `Audit archive ${archiveId} cannot be decrypted (its organisation key is unavailable or was destroyed)`
          : `Audit archive ${archiveId} is not a well-formed archive`,
    );
    this.name = "ArchiveUnreadableError";
  }
}

export const ARCHIVE_FORMAT = "rampart.audit.archive.v1";

const headerSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  archiveId: uuidSchema,
  orgId: uuidSchema.nullable(),
  // Archives written before account events were sharded carry none: they belong to shard 0.
  accountShard: z.number().int().min(0).default(0),
  firstSeq: z.number().int().positive(),
  lastSeq: z.number().int().positive(),
  prevHash: z.string(),
  headHash: z.string(),
});
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const lineSchema = z.object({
  id: uuidSchema,
  orgId: uuidSchema.nullable(),
  accountShard: z.number().int().min(0).default(0),
  seq: z.number().int().positive(),
  actorKind: z.enum(["member", "staff", "system", "api_token", "anonymous"]),
  actorId: uuidSchema.nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  clientAddressHash: z.string().nullable(),
  requestId: z.string().nullable(),
  createdAt: z.iso.datetime(),
  prevHash: hex64,
  hash: hex64,
});

/** Blob key for sealers that store archives as plain blobs (the account chain's, the test sealer's). */
export function archiveBlobKey(at: ArchiveLocation): string {
  return `audit/${at.orgId ?? "account"}/${at.archiveId}.pgp`;
}

/** The plaintext of an archive: a header line naming the run and its links, then one JSON line per event. */
export function archivePlaintext(
  archive: Pick<AuditArchive, "id" | "orgId" | "accountShard" | "firstSeq" | "lastSeq" | "prevHash" | "headHash">,
  events: SealedEvent[],
): Uint8Array {
  const header = {
    format: ARCHIVE_FORMAT,
    archiveId: archive.id,
    orgId: archive.orgId,
    accountShard: archive.accountShard,
    firstSeq: archive.firstSeq,
    lastSeq: archive.lastSeq,
    prevHash: archive.prevHash,
    headHash: archive.headHash,
  };
  return new TextEncoder().encode([JSON.stringify(header), ...events.map(archiveLine)].join("\n") + "\n");
}

/** Parses a decrypted archive; throws ArchiveUnreadableError("malformed") when it is not one. Hashes are checked by the verifier. */
export function parseArchive(archiveId: string, plaintext: Uint8Array): { header: z.infer<typeof headerSchema>; events: SealedEvent[] } {
  try {
    const lines = new TextDecoder("utf-8", { fatal: true }).decode(plaintext).split("\n").filter((l) => l.length > 0);
    const header = headerSchema.parse(JSON.parse(lines[0] ?? ""));
    if (header.archiveId !== archiveId) throw new Error("archive id differs");
    const events = lines.slice(1).map((l) => {
      const e = lineSchema.parse(JSON.parse(l));
      return { ...e, createdAt: new Date(e.createdAt) } as SealedEvent;
    });
    return { header, events };
  } catch (err) {
    if (err instanceof ArchiveUnreadableError) throw err;
    throw new ArchiveUnreadableError(archiveId, "malformed");
  }
}

export async function readBlob(blobs: BlobStore, key: string): Promise<Uint8Array | null> {
  const stream = await blobs.get(key);
  if (!stream) return null;
  return readAll(stream);
}

/** Fetches and decrypts one recorded archive, throwing ArchiveUnreadableError when it is missing, unreadable or malformed. */
export async function openArchive(
  archive: AuditArchive,
  blobs: BlobStore,
  sealer: ArchiveSealer,
): Promise<{ plaintext: Uint8Array; events: SealedEvent[] }> {
  let plaintext: Uint8Array | null;
  try {
    plaintext = await sealer.read(blobs, { orgId: archive.orgId, archiveId: archive.id, ref: archive.blobKey });
  } catch {
    throw new ArchiveUnreadableError(archive.id, "undecryptable");
  }
  if (!plaintext) throw new ArchiveUnreadableError(archive.id, "missing");
  return { plaintext, events: parseArchive(archive.id, plaintext).events };
}

/** Recorded archives of one chain, oldest first. */
export async function listArchives(q: Queryable, chain: ChainKey): Promise<AuditArchive[]> {
  return q
    .select()
    .from(auditArchives)
    .where(chain.orgId === null ? and(isNull(auditArchives.orgId), eq(auditArchives.accountShard, chain.accountShard)) : eq(auditArchives.orgId, chain.orgId))
    .orderBy(auditArchives.firstSeq);
}

export class ArchiveNotFoundError extends NotFoundError {
  constructor() {
    super("No such audit archive");
    this.name = "ArchiveNotFoundError";
  }
}

/**
 * An owner's download: the archive decrypted, as the JSON-lines text it was written as, plus its parsed events.
 * `orgId` null reads an account-chain archive (operators only). The caller checks the permission and records the download.
 */
export async function readArchive(
  db: Database,
  blobs: BlobStore,
  sealer: ArchiveSealer,
  ref: { orgId: string | null; archiveId: string },
): Promise<{ archive: AuditArchive; jsonl: Uint8Array; events: SealedEvent[] }> {
  const find = async (q: Queryable) =>
    (
      await q
        .select()
        .from(auditArchives)
        .where(
          and(eq(auditArchives.id, ref.archiveId), ref.orgId === null ? isNull(auditArchives.orgId) : eq(auditArchives.orgId, ref.orgId)),
        )
    )[0];
  if (!isUuid(ref.archiveId)) throw new ArchiveNotFoundError();
  const archive = ref.orgId === null ? await withAuditSystemScope(db, find) : await withTenant(db, { orgId: ref.orgId }, find);
  if (!archive) throw new ArchiveNotFoundError();
  const { plaintext, events } = await openArchive(archive, blobs, sealer);
  return { archive, jsonl: plaintext, events };
}

/**
 * A campaign member's download of one archive: the archive is looked up as that person (wall 3 checks them
 * again) and the download recorded in the same transaction, which commits before any plaintext is released.
 */
export async function downloadArchive(
  db: Database,
  blobs: BlobStore,
  sealer: ArchiveSealer,
  by: { orgId: string; userId: string; actor: AuditActor; requestId?: string | null },
  archiveId: string,
): Promise<{ archive: AuditArchive; jsonl: Uint8Array }> {
  if (!isUuid(archiveId)) throw new ArchiveNotFoundError();
  const archive = await withTenant(db, { orgId: by.orgId, userId: by.userId }, async (tx) => {
    const [found] = await tx.select().from(auditArchives).where(and(eq(auditArchives.id, archiveId), eq(auditArchives.orgId, by.orgId)));
    if (!found) throw new ArchiveNotFoundError();
    await recordAuditEvent(tx, {
      orgId: by.orgId,
      actor: by.actor,
      action: "audit.archive_downloaded",
      target: { type: "audit_archive", id: archiveId },
      requestId: by.requestId ?? null,
    });
    return found;
  });
  const { plaintext } = await openArchive(archive, blobs, sealer);
  return { archive, jsonl: plaintext };
}
