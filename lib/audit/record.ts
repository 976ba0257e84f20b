import "server-only";
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { z } from "zod";
import { ACCOUNT_SHARDS, type AuditActorKind } from "@/db/schema/audit";
import type { Queryable, Transaction } from "@/lib/db/client";
import { enterTenant } from "@/lib/db/tenant";
import { auditActionDefinitions, isAuditAction, type AuditAction, type AuditMetadataInput, type AuditTargetType, auditTargetTypes } from "./actions";
import { accountShardOf, canonicalContent, type ChainedEvent } from "./chain";
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
  /** Account events only, for the retention job's record in the chain it archived; otherwise chosen by accountShardOf. */
  accountShard?: number;
};

/** One event as callers pass it; metadata is typed by the action and required when the action has required fields. */
export type AuditEventInput<A extends AuditAction = AuditAction> = A extends AuditAction ? AuditEventFields & { action: A } & MetadataField<A> : never;

/** The event as queued: its place in the chain (seq, hash, time) is given when the transaction commits. */
export type RecordedAuditEvent = { id: string; orgId: string | null; accountShard: number };

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

  const id = randomUUID();
  let accountShard = 0;
  if (orgId === null) {
    if (input.accountShard !== undefined) {
      if (!Number.isInteger(input.accountShard) || input.accountShard < 0 || input.accountShard > ACCOUNT_SHARDS) throw new AuditEventError("no such account chain");
      accountShard = input.accountShard;
    } else accountShard = accountShardOf(target?.type === "user" && isUuid(target.id) ? target.id : (actorId ?? id));
  } else if (input.accountShard !== undefined && input.accountShard !== 0) throw new AuditEventError("organisation events have no account shard");

  return {
    id,
    orgId: orgId?.toLowerCase() ?? null,
    accountShard,
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
 * records (it takes its place in the chain as that transaction commits). Organisation events need that organisation's tenant context (withTenant); account events need none.
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

/**
 * Queues the event through the database's audit_append (migration 0020), which checks the context now; the event
 * joins its chain (seq, time, hash over the previous link: chain.ts eventHash) as the transaction commits, which keeps
 * the chain's head locked for the commit alone.
 */
async function appendToChain(tx: Transaction, event: PreparedEvent): Promise<RecordedAuditEvent> {
  await tx.execute(sql`SELECT audit_append(${event.id}::uuid, ${event.orgId}::uuid, ${event.accountShard}::smallint,
    ${event.actorKind}::audit_actor_kind, ${event.actorId}::uuid, ${event.action}::text, ${event.targetType}::text, ${event.targetId}::text,
    ${JSON.stringify(event.metadata)}::jsonb, ${event.clientAddressHash}::text, ${event.requestId}::text, ${canonicalContent(event)}::text)`);
  return { id: event.id, orgId: event.orgId, accountShard: event.accountShard };
}
