import { createHash } from "node:crypto";
import type { AuditEventRow } from "@/db/schema/audit";

/** The link before the first event of every chain. */
export const GENESIS_HASH = "0".repeat(64);
/** Chain id of the account-level chain (events without an organisation). */
export const ACCOUNT_CHAIN_ID = "00000000-0000-0000-0000-000000000000";
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

export function chainIdOf(orgId: string | null): string {
  return orgId ?? ACCOUNT_CHAIN_ID;
}

/** One JSON line of an archive file: every hashed field plus the hash. */
export function archiveLine(e: SealedEvent): string {
  return JSON.stringify({ ...e, createdAt: e.createdAt.toISOString() });
}

export function parseArchiveLine(line: string): SealedEvent {
  const raw = JSON.parse(line) as Omit<SealedEvent, "createdAt"> & { createdAt: string };
  return { ...raw, createdAt: new Date(raw.createdAt) };
}
