import { sql } from "drizzle-orm";
import { check, unique } from "drizzle-orm/pg-core";
import { bigint, index, integer, jsonb, pgEnum, pgTable, smallint, text, timestamptz, uuid } from "./columns";

export const auditActorKinds = ["member", "staff", "system", "api_token", "anonymous"] as const;
export type AuditActorKind = (typeof auditActorKinds)[number];
export const auditActorKindEnum = pgEnum("audit_actor_kind", auditActorKinds);

/** Account events (org_id null) are spread over this many chains, keyed by the person (lib/audit/chain.ts accountShardOf). */
export const ACCOUNT_SHARDS = 16;

/**
 * The audit log: append-only for the app role (grants + trigger, see the audit_rls migration), one hash chain per
 * organisation and ACCOUNT_SHARDS for account-level events (org_id null, account_shard 1–16; shard 0 is the single
 * account chain of before, closed). Ids only, never names, emails or addresses in clear.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: uuid("id").primaryKey(),
    orgId: uuid("org_id"),
    /** Which account chain (org_id null); always 0 for organisation events. */
    accountShard: smallint("account_shard").notNull().default(0),
    seq: bigint("seq", { mode: "number" }).notNull(),
    actorKind: auditActorKindEnum("actor_kind").notNull(),
    actorId: uuid("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    /** A row id (uuid) or another opaque identifier such as a WebAuthn credential id; never an email or name. */
    targetId: text("target_id"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull(),
    clientAddressHash: text("client_address_hash"),
    requestId: text("request_id"),
    createdAt: timestamptz("created_at").notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    unique("audit_events_chain_seq").on(t.orgId, t.accountShard, t.seq).nullsNotDistinct(),
    check("audit_events_account_shard", sql`${t.accountShard} BETWEEN 0 AND ${sql.raw(String(ACCOUNT_SHARDS))} AND (${t.orgId} IS NULL OR ${t.accountShard} = 0)`),
    index("audit_events_actor_idx").on(t.orgId, t.actorId, t.seq),
    index("audit_events_target_idx").on(t.orgId, t.targetId, t.seq),
    index("audit_events_time_idx").on(t.orgId, t.createdAt),
    check("audit_events_seq_positive", sql`${t.seq} > 0`),
    check("audit_events_action_format", sql`${t.action} ~ '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$'`),
    check("audit_events_target_id_format", sql`${t.targetId} ~ '^[A-Za-z0-9_-]{1,200}$'`),
    check("audit_events_hash_format", sql`${t.hash} ~ '^[0-9a-f]{64}$' AND ${t.prevHash} ~ '^[0-9a-f]{64}$'`),
  ],
);

/** The latest link of each chain, locked while an event is appended so concurrent writers queue per chain. */
export const auditChainHeads = pgTable(
  "audit_chain_heads",
  {
    /** The organisation id, or for account chains the UUID whose last 12 hex digits are the shard (0: the nil UUID). */
    chainId: uuid("chain_id").primaryKey(),
    orgId: uuid("org_id"),
    accountShard: smallint("account_shard").notNull().default(0),
    seq: bigint("seq", { mode: "number" }).notNull(),
    hash: text("hash").notNull(),
    /** The link before `hash`: audit_chain_pending reads it back from the one statement that moves the head. */
    prevHash: text("prev_hash"),
    lastAt: timestamptz("last_at").notNull(),
  },
  (t) => [
    check(
      "audit_chain_heads_chain_id",
      sql`${t.chainId} = coalesce(${t.orgId}, ('00000000-0000-0000-0000-' || lpad(to_hex(${t.accountShard}::int), 12, '0'))::uuid) AND (${t.orgId} IS NULL OR ${t.accountShard} = 0)`,
    ),
  ],
);

/** A run of events moved out of the hot table into one encrypted JSON-lines blob; append-only like the events. */
export const auditArchives = pgTable(
  "audit_archives",
  {
    id: uuid("id").primaryKey(),
    orgId: uuid("org_id"),
    accountShard: smallint("account_shard").notNull().default(0),
    firstSeq: bigint("first_seq", { mode: "number" }).notNull(),
    lastSeq: bigint("last_seq", { mode: "number" }).notNull(),
    /** prev_hash of the first archived event: links the archive to what came before. */
    prevHash: text("prev_hash").notNull(),
    /** hash of the last archived event: the next event (hot or archived) links to it. */
    headHash: text("head_hash").notNull(),
    eventCount: integer("event_count").notNull(),
    firstAt: timestamptz("first_at").notNull(),
    lastAt: timestamptz("last_at").notNull(),
    blobKey: text("blob_key").notNull(),
    byteSize: bigint("byte_size", { mode: "number" }).notNull(),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [
    unique("audit_archives_chain_first_seq").on(t.orgId, t.accountShard, t.firstSeq).nullsNotDistinct(),
    check("audit_archives_range", sql`${t.firstSeq} > 0 AND ${t.lastSeq} >= ${t.firstSeq} AND ${t.eventCount} = ${t.lastSeq} - ${t.firstSeq} + 1`),
  ],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type AuditArchive = typeof auditArchives.$inferSelect;
