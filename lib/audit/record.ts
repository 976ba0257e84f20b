import "server-only";
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { AuditActorKind } from "@/db/schema/audit";
import { resultRows, type Queryable, type Transaction } from "@/lib/db/client";
import { enterTenant } from "@/lib/db/tenant";
import { auditActionDefinitions, isAuditAction, type AuditAction, type AuditMetadataInput, type AuditTargetType, auditTargetTypes } from "./actions";
import { GENESIS_HASH, chainIdOf, eventHash, type ChainedEvent } from "./chain";
import { AuditMetadataError, assertSafeMetadata } from "./metadata";

/** Who acted. People, staff and API tokens are named by internal id only; the system and anonymous clients by kind. */
export type AuditActor = { kind: "member" | "staff" | "api_token"; id: string } | { kind: "system" | "anonymous" };

export type AuditTarget = { type: AuditTargetType; id: string };

type MetadataField<A extends AuditAction> = Record<never, never> extends AuditMetadataInput<A>
  ? { metadata?: AuditMetadataInput<A> }
  : { metadata: AuditMetadataInput<A> };

type AuditEventFields = {
  /** The organisation whose chain gets the event; null or absent for account-level events (sign-ins, 2FA, …). */
  orgId?: string | null;
  actor: AuditActor;
  target?: AuditTarget | null;
  /** From `hashClientAddress` (lib/keys); never the address itself. */
  clientAddressHash?: string | null;
  requestId?: string | null;
};

/** One event as callers pass it; metadata is typed by the action and required when the action has required fields. */
export type AuditEventInput<A extends AuditAction = AuditAction> = A extends AuditAction ? AuditEventFields & { action: A } & MetadataField<A> : never;

export type RecordedAuditEvent = { id: string; orgId: string | null; seq: number; hash: string; createdAt: Date };

export class AuditEventError extends Error {
  constructor(reason: string) {
    super(`Audit event refused: ${reason}`);
    this.name = "AuditEventError";
  }
}

const uuid = z.uuid();
const targetId = z.string().regex(/^[A-Za-z0-9_-]{1,200}$/);
const addressHash = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
const requestId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const idKinds = new Set<AuditActorKind>(["member", "staff", "api_token"]);

type PreparedEvent = Omit<ChainedEvent, "seq" | "createdAt" | "prevHash">;

/** Validates an event and reduces it to the stored fields; throws AuditEventError or AuditMetadataError. */
export function prepareAuditEvent(input: AuditEventInput): PreparedEvent {
  if (!isAuditAction(input.action)) throw new AuditEventError(`unknown action "${String(input.action)}"`);
  const orgId = input.orgId ?? null;
  if (orgId !== null && !uuid.safeParse(orgId).success) throw new AuditEventError("orgId is not a UUID");

  const actor = input.actor as { kind: AuditActorKind; id?: unknown };
  if (!["member", "staff", "system", "api_token", "anonymous"].includes(actor.kind)) throw new AuditEventError("unknown actor kind");
  let actorId: string | null = null;
  if (idKinds.has(actor.kind)) {
    if (typeof actor.id !== "string" || !uuid.safeParse(actor.id).success) throw new AuditEventError(`a ${actor.kind} actor needs a UUID id`);
    actorId = actor.id.toLowerCase();
  } else if (actor.id !== undefined && actor.id !== null) {
    throw new AuditEventError(`a ${actor.kind} actor has no id`);
  }

  let target: { type: string; id: string } | null = null;
  if (input.target) {
    if (!(auditTargetTypes as readonly string[]).includes(input.target.type)) throw new AuditEventError("unknown target type");
    if (!targetId.safeParse(input.target.id).success) throw new AuditEventError("target id must be an opaque identifier (letters, digits, '-' and '_')");
    if (/^\d{7,}$/.test(input.target.id)) throw new AuditEventError("target id looks like a phone number");
    target = { type: input.target.type, id: uuid.safeParse(input.target.id).success ? input.target.id.toLowerCase() : input.target.id };
  }

  const parsed = auditActionDefinitions[input.action].metadata.safeParse(input.metadata ?? {});
  if (!parsed.success) throw new AuditMetadataError(`${input.action}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "metadata"} ${i.message}`).join("; ")}`);
  assertSafeMetadata(parsed.data);

  const clientAddressHash = input.clientAddressHash ?? null;
  if (clientAddressHash !== null && !addressHash.safeParse(clientAddressHash).success) {
    throw new AuditEventError("clientAddressHash must come from hashClientAddress, never the address itself");
  }
  // Request ids arrive in a client header: an odd one is dropped rather than stored or allowed to fail the change.
  const reqId = input.requestId && requestId.safeParse(input.requestId).success ? input.requestId : null;

  return {
    id: randomUUID(),
    orgId: orgId?.toLowerCase() ?? null,
    actorKind: actor.kind,
    actorId,
    action: input.action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    metadata: parsed.data,
    clientAddressHash,
    requestId: reqId,
  };
}

/**
 * Appends one event to its chain inside `q`'s transaction, so the event commits or rolls back with the change it
 * records. Organisation events need that organisation's tenant context (withTenant); account events need none.
 * Given the database rather than a transaction, it opens one of its own (entering the organisation if there is one).
 */
export async function recordAuditEvent<A extends AuditAction>(q: Queryable, input: AuditEventInput<A>): Promise<RecordedAuditEvent> {
  const event = prepareAuditEvent(input as AuditEventInput);
  if (q instanceof PgTransaction) return appendToChain(q as Transaction, event);
  return q.transaction(async (tx) => {
    if (event.orgId) await enterTenant(tx, { orgId: event.orgId });
    return appendToChain(tx, event);
  });
}

type HeadRow = { seq: string | number; hash: string; last_ms: number | string; now_ms: number | string };

async function appendToChain(tx: Transaction, event: PreparedEvent): Promise<RecordedAuditEvent> {
  const chainId = chainIdOf(event.orgId);
  // Creates the chain on first use and locks its head row until commit: writers to one chain queue here.
  const [head] = resultRows<HeadRow>(
    await tx.execute(sql`
      INSERT INTO audit_chain_heads (chain_id, org_id, seq, hash, last_at)
      VALUES (${chainId}, ${event.orgId}, 0, ${GENESIS_HASH}, 'epoch')
      ON CONFLICT (chain_id) DO UPDATE SET chain_id = excluded.chain_id
      RETURNING seq, hash,
        (extract(epoch FROM last_at) * 1000)::float8 AS last_ms,
        floor(extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms`),
  );
  if (!head) throw new AuditEventError("the chain head could not be locked");
  // Time never runs backwards along a chain, so seq order is time order (the feed and retention rely on it).
  const createdAt = new Date(Math.max(Number(head.now_ms), Number(head.last_ms)));
  const chained: ChainedEvent = { ...event, seq: Number(head.seq) + 1, createdAt, prevHash: head.hash };
  const hash = eventHash(chained);
  const at = createdAt.toISOString();
  await tx.execute(sql`
    WITH appended AS (
      INSERT INTO audit_events (id, org_id, seq, actor_kind, actor_id, action, target_type, target_id, metadata,
        client_address_hash, request_id, created_at, prev_hash, hash)
      VALUES (${chained.id}, ${chained.orgId}, ${chained.seq}, ${chained.actorKind}, ${chained.actorId}, ${chained.action},
        ${chained.targetType}, ${chained.targetId}, ${JSON.stringify(chained.metadata)}::jsonb, ${chained.clientAddressHash},
        ${chained.requestId}, ${at}::timestamptz, ${chained.prevHash}, ${hash})
    )
    UPDATE audit_chain_heads SET seq = ${chained.seq}, hash = ${hash}, last_at = ${at}::timestamptz WHERE chain_id = ${chainId}`);
  return { id: chained.id, orgId: chained.orgId, seq: chained.seq, hash, createdAt };
}
