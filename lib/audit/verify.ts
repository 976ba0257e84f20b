import "server-only";
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import { auditChainHeads, auditEvents, type AuditArchive } from "@/db/schema/audit";
import { resultRows, type Database, type Transaction } from "@/lib/db/client";
import type { BlobStore } from "@/lib/storage/blob-store";
import { ArchiveUnreadableError, listArchives, openArchive, type ArchiveSealer } from "./archive";
import { GENESIS_HASH, chainName, eventHash, type ChainKey, type SealedEvent } from "./chain";
import { withAuditSystemScope } from "./scope";

export type ChainProblem =
  | "hash_mismatch" // the event's content no longer matches its hash: it was edited
  | "broken_link" // the event does not point at the hash of the one before: something was edited, inserted or removed
  | "sequence_gap" // events are missing (or a stray event sits where an archive already covers the chain)
  | "head_mismatch" // the recorded chain head is not the last event: the newest events were removed, or the head edited
  | "archive_missing"
  | "archive_unreadable"
  | "archive_mismatch"; // an archive's contents differ from its record

export type BrokenLink = { seq: number; eventId?: string; archiveId?: string; problem: ChainProblem; detail: string };

export type ChainReport = {
  orgId: string | null;
  /** Which account chain, when orgId is null (0: the single account chain from before sharding). */
  accountShard: number;
  ok: boolean;
  /** Events checked, hot and archived. */
  events: number;
  archives: number;
  /** Archives whose link was checked from their record only, because no sealer was given to open them. */
  archivesNotOpened: number;
  firstBroken?: BrokenLink;
};

export type VerifyReport = { ok: boolean; chains: ChainReport[] };

export type VerifyOptions = {
  /** One organisation's chain, or null for every account chain. All chains when absent. */
  orgId?: string | null;
  /** To open archives and check every archived event; without it archives are checked by their recorded links. */
  archives?: { blobs: BlobStore; sealer: ArchiveSealer };
  batchSize?: number;
};

type Walk = { expectedSeq: number; prevHash: string; events: number };

class Broken extends Error {
  constructor(readonly link: BrokenLink) {
    super(link.detail);
  }
}

function checkEvent(walk: Walk, e: SealedEvent, where: { archiveId?: string } = {}): void {
  const at = { seq: e.seq, eventId: e.id, ...where };
  if (e.seq < walk.expectedSeq) throw new Broken({ ...at, problem: "sequence_gap", detail: `event ${e.seq} appears again after ${walk.expectedSeq - 1}` });
  if (e.seq > walk.expectedSeq) {
    throw new Broken({ ...at, problem: "sequence_gap", detail: `events ${walk.expectedSeq}–${e.seq - 1} are missing before event ${e.seq}` });
  }
  if (e.prevHash !== walk.prevHash) throw new Broken({ ...at, problem: "broken_link", detail: `event ${e.seq} does not link to the event before it` });
  if (eventHash(e) !== e.hash) throw new Broken({ ...at, problem: "hash_mismatch", detail: `event ${e.seq} was changed after it was recorded` });
  walk.expectedSeq = e.seq + 1;
  walk.prevHash = e.hash;
  walk.events++;
}

async function walkArchive(walk: Walk, a: AuditArchive, opts: VerifyOptions): Promise<boolean> {
  const at = { seq: a.firstSeq, archiveId: a.id };
  if (a.firstSeq !== walk.expectedSeq) {
    throw new Broken({ ...at, problem: "sequence_gap", detail: `archive starts at event ${a.firstSeq}, expected ${walk.expectedSeq}` });
  }
  if (a.prevHash !== walk.prevHash) throw new Broken({ ...at, problem: "broken_link", detail: `archive of events ${a.firstSeq}–${a.lastSeq} does not link to what precedes it` });
  if (!opts.archives) {
    walk.expectedSeq = a.lastSeq + 1;
    walk.prevHash = a.headHash;
    return false;
  }
  let events: SealedEvent[];
  try {
    events = (await openArchive(a, opts.archives.blobs, opts.archives.sealer)).events;
  } catch (err) {
    if (!(err instanceof ArchiveUnreadableError)) throw err;
    throw new Broken({ ...at, problem: err.reason === "missing" ? "archive_missing" : "archive_unreadable", detail: err.message });
  }
  for (const e of events) {
    if (e.orgId !== a.orgId || (e.accountShard ?? 0) !== a.accountShard) throw new Broken({ ...at, seq: e.seq, problem: "archive_mismatch", detail: `archive ${a.id} holds an event of another chain` });
    checkEvent(walk, e, { archiveId: a.id });
  }
  if (walk.expectedSeq !== a.lastSeq + 1 || walk.prevHash !== a.headHash) {
    throw new Broken({ ...at, seq: a.lastSeq, problem: "archive_mismatch", detail: `archive ${a.id} does not end at its recorded head (event ${a.lastSeq})` });
  }
  return true;
}

async function walkHot(tx: Transaction, chain: ChainKey, walk: Walk, batch: number): Promise<void> {
  const inChain = chain.orgId === null ? and(isNull(auditEvents.orgId), eq(auditEvents.accountShard, chain.accountShard)) : eq(auditEvents.orgId, chain.orgId);
  let after = 0;
  for (;;) {
    const rows = await tx.select().from(auditEvents).where(and(inChain, gt(auditEvents.seq, after))).orderBy(asc(auditEvents.seq)).limit(batch);
    for (const row of rows) checkEvent(walk, row);
    if (rows.length < batch) break;
    after = rows[rows.length - 1]!.seq;
  }
  const [head] = await tx
    .select()
    .from(auditChainHeads)
    .where(
      chain.orgId === null ? and(isNull(auditChainHeads.orgId), eq(auditChainHeads.accountShard, chain.accountShard)) : eq(auditChainHeads.orgId, chain.orgId),
    );
  const lastSeq = walk.expectedSeq - 1;
  if ((head?.seq ?? 0) !== lastSeq || (head?.hash ?? GENESIS_HASH) !== walk.prevHash) {
    throw new Broken({ seq: head?.seq ?? lastSeq, problem: "head_mismatch", detail: `the chain head is at event ${head?.seq ?? 0} but the events end at ${lastSeq}` });
  }
}

const MAX_ATTEMPTS = 3;

/**
 * Archives are opened outside any transaction (the sealer may need the database itself); then one snapshot reads
 * the archive list again, the hot events and the head. If a retention run recorded new archives in between, those
 * are opened too and the snapshot is taken again.
 */
async function verifyChain(db: Database, chain: ChainKey, opts: VerifyOptions): Promise<ChainReport> {
  const walk: Walk = { expectedSeq: 1, prevHash: GENESIS_HASH, events: 0 };
  const report: ChainReport = { ...chain, ok: true, events: 0, archives: 0, archivesNotOpened: 0 };
  const checked: string[] = [];
  const checkArchives = async (archives: AuditArchive[], open: VerifyOptions) => {
    if (archives.slice(0, checked.length).some((a, i) => a.id !== checked[i])) {
      throw new Broken({ seq: archives[0]?.firstSeq ?? 1, problem: "archive_mismatch", detail: "the recorded archives changed while they were being checked" });
    }
    for (const a of archives.slice(checked.length)) {
      if (!(await walkArchive(walk, a, open))) report.archivesNotOpened++;
      checked.push(a.id);
      report.archives++;
    }
  };
  try {
    for (let attempt = 1; ; attempt++) {
      await checkArchives(await withAuditSystemScope(db, (tx) => listArchives(tx, chain)), opts);
      const hot: Walk = { ...walk };
      const done = await withAuditSystemScope(
        db,
        async (tx) => {
          const archives = await listArchives(tx, chain);
          if (archives.length !== checked.length) {
            if (attempt < MAX_ATTEMPTS) return false;
            // Retention keeps racing us: check the newest archives by their recorded links only.
            await checkArchives(archives, { ...opts, archives: undefined });
            Object.assign(hot, walk);
          }
          await walkHot(tx, chain, hot, opts.batchSize ?? 5000);
          return true;
        },
        { isolationLevel: "repeatable read", accessMode: "read only" },
      );
      if (done) {
        Object.assign(walk, hot);
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof Broken)) throw err;
    report.ok = false;
    report.firstBroken = err.link;
  }
  report.events = walk.events;
  return report;
}

/**
 * Walks audit chains (archives first, then the hot events) and reports, per chain, the first broken link.
 * Reads every chain through the audit system scope; changes nothing.
 */
export async function verifyAuditChains(db: Database, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const chains: ChainKey[] =
    opts.orgId !== undefined && opts.orgId !== null
      ? [{ orgId: opts.orgId, accountShard: 0 }]
      : await withAuditSystemScope(db, async (tx) =>
          resultRows<{ org_id: string | null; account_shard: number }>(
            await tx.execute(sql`
              SELECT org_id, account_shard FROM audit_chain_heads
              UNION SELECT org_id, account_shard FROM audit_archives
              UNION SELECT DISTINCT org_id, account_shard FROM audit_events
              ORDER BY org_id NULLS FIRST, account_shard`),
          )
            .map((r) => ({ orgId: r.org_id, accountShard: Number(r.account_shard) }))
            .filter((c) => opts.orgId === undefined || c.orgId === null),
        );
  const reports: ChainReport[] = [];
  for (const chain of chains) reports.push(await verifyChain(db, chain, opts));
  return { ok: reports.every((r) => r.ok), chains: reports };
}

export function describeBrokenLink(chain: ChainReport): string {
  const name = chainName(chain);
  if (chain.ok) return `${name}: ok (${chain.events} events, ${chain.archives} archives)`;
  const b = chain.firstBroken!;
  return `${name}: BROKEN at event ${b.seq}${b.eventId ? ` (${b.eventId})` : ""}${b.archiveId ? ` in archive ${b.archiveId}` : ""}: ${b.problem}: ${b.detail}`;
}
