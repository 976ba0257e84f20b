import "server-only";
import { randomUUID } from "node:crypto";
import { and, asc, eq, isNull, lt, lte, sql } from "drizzle-orm";
import { z } from "zod";
import { auditArchives, auditChainHeads, auditEvents, type AuditArchive } from "@/db/schema/audit";
import { organizations } from "@/db/schema/organizations";
import type { Database, Transaction } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import type { BlobStore } from "@/lib/storage/blob-store";
import { archivePlaintext, listArchives, type ArchiveSealer } from "./archive";
import { GENESIS_HASH, chainIdOf, chainName, type ChainKey, type SealedEvent } from "./chain";
import { recordAuditEvent } from "./record";
import { withAuditSystemScope } from "./scope";
import { uuidSchema } from "@/lib/validation/ids";

/** Hot retention of the audit log: the design's two weeks by default, each organisation choosing within bounds. */
export const AUDIT_RETENTION_DAYS = { default: 14, min: 1, max: 90 } as const;
/** The organisation setting (organizations.settings.auditRetentionDays), for the settings form to validate with. */
export const auditRetentionDaysSchema = z.number().int().min(AUDIT_RETENTION_DAYS.min).max(AUDIT_RETENTION_DAYS.max);
export const AUDIT_RETENTION_SETTING = "auditRetentionDays";
/** Events per archive file: bounds the memory one archive takes (about 0.5 KB per event). */
export const MAX_EVENTS_PER_ARCHIVE = 20_000;
const DAY_MS = 86_400_000;

/** The hot window an organisation's settings ask for; a missing or malformed value gives the default, an out-of-range one its bound. */
export function auditRetentionDays(settings: Record<string, unknown> | null | undefined): number {
  const value = settings?.[AUDIT_RETENTION_SETTING];
  if (typeof value !== "number" || !Number.isFinite(value)) return AUDIT_RETENTION_DAYS.default;
  return Math.min(AUDIT_RETENTION_DAYS.max, Math.max(AUDIT_RETENTION_DAYS.min, Math.round(value)));
}

export type ArchiveRun = {
  orgId: string | null;
  accountShard: number;
  retentionDays: number;
  cutoff: Date;
  archives: AuditArchive[];
  /** Events moved out of the hot table. */
  events: number;
};

export type ArchiveOptions = {
  /** The organisation whose chain to archive; null for an account chain. */
  orgId: string | null;
  /** Which account chain (orgId null): 1–16, or 0 for the one from before sharding. */
  accountShard?: number;
  now?: Date;
  /** Only for the account chain (organisations use their setting). */
  retentionDays?: number;
  maxEventsPerArchive?: number;
};

function inChain(chain: ChainKey) {
  return chain.orgId === null ? and(isNull(auditEvents.orgId), eq(auditEvents.accountShard, chain.accountShard)) : eq(auditEvents.orgId, chain.orgId);
}

/** Runs `fn` in the transaction that may read and archive this chain: the organisation's tenant, or the system scope. */
function inChainContext<T>(db: Database, orgId: string | null, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return orgId === null ? withAuditSystemScope(db, fn) : withTenant(db, { orgId }, fn);
}

/**
 * Moves the events older than the hot window into encrypted archives: for each run of up to `maxEventsPerArchive`
 * events, has the sealer encrypt the JSON-lines file into the blob store, then, in one transaction, records the archive,
 * removes exactly those events through the database's purge function, and logs `audit.archived` in the same chain.
 * The scheduled job calls this per chain (each organisation, each account chain). Two runs at once never lose or duplicate
 * an event: the second fails on the archive record, removes the file it wrote and throws.
 */
export async function archiveExpiredEvents(db: Database, blobs: BlobStore, sealer: ArchiveSealer, opts: ArchiveOptions): Promise<ArchiveRun> {
  const orgId = opts.orgId === null ? null : uuidSchema.parse(opts.orgId).toLowerCase();
  const chain: ChainKey = { orgId, accountShard: orgId === null ? (opts.accountShard ?? 0) : 0 };
  const now = opts.now ?? new Date();
  const perArchive = opts.maxEventsPerArchive ?? MAX_EVENTS_PER_ARCHIVE;
  const { retentionDays, headSeq } = await inChainContext(db, orgId, async (tx) => {
    // Only events that existed when the run began: its own audit.archived records wait for the next run.
    const [head] = await tx
      .select({ seq: auditChainHeads.seq })
      .from(auditChainHeads)
      .where(eq(auditChainHeads.chainId, chainIdOf(chain)));
    if (orgId === null) {
      const days = opts.retentionDays === undefined ? AUDIT_RETENTION_DAYS.default : auditRetentionDaysSchema.parse(opts.retentionDays);
      return { retentionDays: days, headSeq: head?.seq ?? 0 };
    }
    const [org] = await tx.select({ settings: organizations.settings }).from(organizations).where(eq(organizations.id, orgId));
    if (!org) throw new Error("No such organisation");
    return { retentionDays: auditRetentionDays(org.settings), headSeq: head?.seq ?? 0 };
  });
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const run: ArchiveRun = { ...chain, retentionDays, cutoff, archives: [], events: 0 };

  for (;;) {
    const batch = await inChainContext(db, orgId, async (tx) => {
      const previous = (await listArchives(tx, chain)).at(-1);
      const events: SealedEvent[] = await tx
        .select()
        .from(auditEvents)
        .where(and(inChain(chain), lt(auditEvents.createdAt, cutoff), lte(auditEvents.seq, headSeq)))
        .orderBy(asc(auditEvents.seq))
        .limit(perArchive);
      return { previous, events };
    });
    const first = batch.events[0];
    const last = batch.events.at(-1);
    if (!first || !last) break;
    const expectedFirst = (batch.previous?.lastSeq ?? 0) + 1;
    const expectedPrev = batch.previous?.headHash ?? GENESIS_HASH;
    if (first.seq !== expectedFirst || first.prevHash !== expectedPrev || last.seq - first.seq + 1 !== batch.events.length) {
      throw new Error(`Audit chain ${chainName(chain)} does not continue its last archive at event ${first.seq}; run audit:verify`);
    }

    const id = randomUUID();
    const range = {
      id,
      ...chain,
      firstSeq: first.seq,
      lastSeq: last.seq,
      prevHash: first.prevHash,
      headHash: last.hash,
      eventCount: batch.events.length,
      firstAt: first.createdAt,
      lastAt: last.createdAt,
    };
    const stored = await sealer.write(blobs, { orgId, archiveId: id }, archivePlaintext(range, batch.events));
    try {
      const archive = await inChainContext(db, orgId, async (tx) => {
        const [row] = await tx
          .insert(auditArchives)
          .values({ ...range, blobKey: stored.ref, byteSize: stored.size })
          .returning();
        await tx.execute(sql`SELECT audit_purge_archived(${id}::uuid)`);
        await recordAuditEvent(tx, {
          ...chain,
          actor: { kind: "system" },
          action: "audit.archived",
          target: { type: "audit_archive", id },
          metadata: { firstSeq: first.seq, lastSeq: last.seq, events: batch.events.length },
        });
        return row!;
      });
      run.archives.push(archive);
      run.events += archive.eventCount;
    } catch (err) {
      // Another run archived these events first, or the purge refused: the file just written is recorded nowhere.
      await sealer.discard(blobs, { orgId, archiveId: id, ref: stored.ref }).catch(() => undefined);
      throw err;
    }
    if (batch.events.length < perArchive) break;
  }
  return run;
}

export type RetentionSweep = { runs: ArchiveRun[]; failures: (ChainKey & { error: string })[] };

/**
 * The scheduled sweep: archives every chain that has events (each organisation by its own window, the account chains
 * by the default). One chain's failure, such as a shredded organisation whose keys are gone, does not stop the others.
 */
export async function archiveAllExpiredEvents(db: Database, blobs: BlobStore, sealer: ArchiveSealer, opts: { now?: Date } = {}): Promise<RetentionSweep> {
  const chains: ChainKey[] = await withAuditSystemScope(db, (tx) =>
    tx.select({ orgId: auditChainHeads.orgId, accountShard: auditChainHeads.accountShard }).from(auditChainHeads),
  );
  const sweep: RetentionSweep = { runs: [], failures: [] };
  for (const chain of chains) {
    try {
      sweep.runs.push(await archiveExpiredEvents(db, blobs, sealer, { ...chain, now: opts.now }));
    } catch (err) {
      sweep.failures.push({ ...chain, error: err instanceof Error ? err.message.split("\n")[0]! : String(err) });
    }
  }
  return sweep;
}

export const AUDIT_ARCHIVE_JOB = "audit.archive-expired";
