import { createHash } from "node:crypto";
import { ACCOUNT_SHARDS, type AuditEventRow } from "@/db/schema/audit";

/** The link before the first event of every chain. */
export const GENESIS_HASH = "0".repeat(64);

/** A chain: an organisation's (shard 0), or one of the account chains (orgId null). */
export type ChainKey = { orgId: string | null; accountShard: number };
const FORMAT = "rampart.audit.v1";

/** Everything an event's hash covers: all stored fields except the hash itself. */
/** An event as the chain hashes it: the stored row without its own hash. */
export type ChainedEvent = Omit<AuditEventRow, "hash">;

export type SealedEvent = ChainedEvent & { hash: string };

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** JSON with object keys sorted at every depth: the same value always gives the same text, whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/**
 * The canonical content of an event in a fixed field order, without its place in the chain (seq, time, previous
 * link), which the database supplies while it holds the chain's head (the format tag lets a later format coexist).
 */
export function canonicalContent(e: Omit<ChainedEvent, "seq" | "createdAt" | "prevHash">): string {
  return canonicalJson([
    FORMAT,
    e.id,
    e.orgId,
    e.actorKind,
    e.actorId,
    e.action,
    e.targetType,
    e.targetId,
    e.metadata,
    e.clientAddressHash,
    e.requestId,
  ]);
}

/**
 * SHA-256 (hex) over the previous link, the canonical content, the position and the time (ISO, milliseconds).
 * The database computes the same when it appends (record.ts); keep the two in step.
 */
export function eventHash(e: ChainedEvent): string {
  return createHash("sha256").update(`${e.prevHash}\n${canonicalContent(e)}\n${e.seq}\n${e.createdAt.toISOString()}`, "utf8").digest("hex");
}

/** The head row's id (audit_chain_heads.chain_id): the organisation, or the UUID ending in the shard number. */
export function chainIdOf(chain: ChainKey): string {
  return chain.orgId ?? `00000000-0000-0000-0000-${chain.accountShard.toString(16).padStart(12, "0")}`;
}

/**
 * Which account chain an event joins: the person it is about (the target when that is a person, else the actor), so
 * one person's events stay in order in one chain while different people's appends rarely wait for each other (1 in
 * 16); events about nobody (an unknown account's failed sign-in) spread by their own id. Never 0, the closed chain.
 */
export function accountShardOf(subjectId: string): number {
  return (parseInt(subjectId.replace(/-/g, "").slice(-8), 16) % ACCOUNT_SHARDS) + 1;
}

export function chainName(chain: ChainKey): string {
  return chain.orgId ?? (chain.accountShard === 0 ? "account events (before sharding)" : `account events, shard ${chain.accountShard}`);
}

/** One JSON line of an archive file: every hashed field plus the hash. */
export function archiveLine(e: SealedEvent): string {
  return JSON.stringify({ ...e, createdAt: e.createdAt.toISOString() });
}

export function parseArchiveLine(line: string): SealedEvent {
  const raw = JSON.parse(line) as Omit<SealedEvent, "createdAt"> & { createdAt: string };
  return { ...raw, createdAt: new Date(raw.createdAt) };
}
