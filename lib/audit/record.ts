import "server-only";
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { AuditActorKind } from "@/db/schema/audit";
import { resultRows, type Queryable, type Transaction } from "@/lib/db/client";
import { enterTenant } from "@/lib/db/tenant";
import { auditActionDefinitions, isAuditAction, type AuditAction, type AuditMetadataInput, type AuditTargetType, auditTargetTypes } from "./actions";
import { GENESIS_HASH, canonicalContent, chainIdOf, type ChainedEvent } from "./chain";
import { AuditMetadataError, assertSafeMetadata } from "./metadata";
import { isUuid } from "@/lib/validation/ids";

/** Who acted. People, staff and API tokens are named by internal id only; the system and anonymous clients by kind. */
export type AuditActor = { kind: "member" | "staff" | "api_token"; id: string } | { kind: "system" | "anonymous" };

export type AuditTarget = { type: AuditTargetType; id: string };

/** Lets callers pass `as const` literals (readonly arrays) as well as plain objects. */
type ReadonlyDeep<T> = T extends (infer U)[] ? readonly ReadonlyDeep<U>[] : T extends object ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> } : T;

type MetadataField<A extends AuditAction> = Record<never, never> extends AuditMetadataInput<A>
  ? { metadata?: ReadonlyDeep<AuditMetadataInput<A>> }
  : { metadata: ReadonlyDeep<AuditMetadataInput<A>> };

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

const targetId = z.string().regex(/^[A-Za-z0-9_-]{1,200}$/);
const addressHash = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
const requestId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const idKinds = new Set<AuditActorKind>(["member", "staff", "api_token"]);

type PreparedEvent = Omit<ChainedEvent, "seq" | "createdAt" | "prevHash">;

/** Validates an event and reduces it to the stored fields; throws AuditEventError or AuditMetadataError. */
export function prepareAuditEvent(input: AuditEventInput): PreparedEvent {
  if (!isAuditAction(input.action)) throw new AuditEventError(`unknown action "${String(input.action)}"`);
  const orgId = input.orgId ?? null;
  if (orgId !== null && !isUuid(orgId)) throw new AuditEventError("orgId is not a UUID");

  const actor = input.actor as { kind: AuditActorKind; id?: unknown };
  if (!["member", "staff", "system", "api_token", "anonymous"].includes(actor.kind)) throw new AuditEventError("unknown actor kind");
  let actorId: string | null = null;
  if (idKinds.has(actor.kind)) {
    if (typeof actor.id !== "string" || !isUuid(actor.id)) throw new AuditEventError(`a ${actor.kind} actor needs a UUID id`);
    actorId = actor.id.toLowerCase();
  } else if (actor.id !== undefined && actor.id !== null) {
    throw new AuditEventError(`a ${actor.kind} actor has no id`);
  }

  let target: { type: string; id: string } | null = null;
  if (input.target) {
    if (!(auditTargetTypes as readonly string[]).includes(input.target.type)) throw new AuditEventError("unknown target type");
    if (!targetId.safeParse(input.target.id).success) throw new AuditEventError("target id must be an opaque identifier (letters, digits, '-' and '_')");
    if (/^\d{7,}$/.test(input.target.id)) throw new AuditEventError("target id looks like a phone number");
    target = { type: input.target.type, id: isUuid(input.target.id) ? input.target.id.toLowerCase() : input.target.id };
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

type AppendedRow = { seq: string | number; hash: string; created_ms: string | number };

/**
 * One statement while holding the chain's head row (FOR UPDATE: writers to one chain queue here, until commit): the
 * next seq, the time (never before the previous event's, so seq order is time order, which the feed and retention
 * rely on), the hash over the previous link, and the event itself. The hash formula is chain.ts's eventHash.
 */
async function appendToChain(tx: Transaction, event: PreparedEvent): Promise<RecordedAuditEvent> {
  const chainId = chainIdOf(event.orgId);
  const content = canonicalContent(event);
  const append = async () =>
    resultRows<AppendedRow>(
      await tx.execute(sql`
        WITH head AS (
          SELECT seq, hash, last_at FROM audit_chain_heads WHERE chain_id = ${chainId} FOR UPDATE
        ), next AS (
          SELECT head.seq + 1 AS seq, head.hash AS prev_hash, at.created_at,
            encode(sha256(convert_to(head.hash || E'\n' || ${content}::text || E'\n' || (head.seq + 1)::text || E'\n'
              || to_char(at.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'UTF8')), 'hex') AS hash
          FROM head, LATERAL (SELECT greatest(date_trunc('milliseconds', clock_timestamp()), head.last_at) AS created_at) at
        ), moved AS (
          UPDATE audit_chain_heads h SET seq = next.seq, hash = next.hash, last_at = next.created_at FROM next WHERE h.chain_id = ${chainId}
        ), appended AS (
          INSERT INTO audit_events (id, org_id, seq, actor_kind, actor_id, action, target_type, target_id, metadata,
            client_address_hash, request_id, created_at, prev_hash, hash)
          SELECT ${event.id}::uuid, ${event.orgId}::uuid, next.seq, ${event.actorKind}::audit_actor_kind, ${event.actorId}::uuid,
            ${event.action}::text, ${event.targetType}::text, ${event.targetId}::text, ${JSON.stringify(event.metadata)}::jsonb,
            ${event.clientAddressHash}::text, ${event.requestId}::text, next.created_at, next.prev_hash, next.hash
          FROM next
        )
        -- Read back from the CTE, not RETURNING: the appender may not be allowed to read the event (another person's account event).
        SELECT seq, hash, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms FROM next`),
    );
  let [row] = await append();
  if (!row) {
    // The chain's first event: create its head, then append (a concurrent first writer may have created it already).
    await tx.execute(sql`INSERT INTO audit_chain_heads (chain_id, org_id, seq, hash, last_at)
      VALUES (${chainId}, ${event.orgId}, 0, ${GENESIS_HASH}, 'epoch') ON CONFLICT (chain_id) DO NOTHING`);
    [row] = await append();
  }
  if (!row) throw new AuditEventError("the chain head could not be locked");
  return { id: event.id, orgId: event.orgId, seq: Number(row.seq), hash: row.hash, createdAt: new Date(Number(row.created_ms)) };
}
