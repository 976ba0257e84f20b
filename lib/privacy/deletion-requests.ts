import "server-only";
import { and, desc, eq, ne, sql } from "drizzle-orm";
import { contacts, deletionRequests, organizations, users, type DeletionDeclineReason, type DeletionRequestStatus } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { blindIndexer, listOrganizationKeys } from "@/lib/crypto";
import type { Database, Transaction } from "@/lib/db/client";
import { resultRows } from "@/lib/db/client";
import { withPerson, withSystem, withTenant } from "@/lib/db/tenant";
import { keysetMicros, keysetPage, twoListsPage, withoutKeys, type KeysetPage, type KeysetPosition, type TwoListsAt } from "@/lib/pagination/keyset";
import { campaignNames } from "./campaigns";
import { databaseErrorOf } from "./db-errors";
import { writeReceipts } from "./receipts";

/** A campaign has this long to act on a request (GDPR art. 12(3): one month). */
export const DELETION_DUE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What the requester reads when a campaign declined: the reason in words, never a code. */
export const declineReasonLabels: Record<DeletionDeclineReason, string> = {
  not_found: "The campaign found no data about you.",
  legal_obligation: "The campaign must keep this data to meet a legal obligation.",
  duplicate: "This repeated an earlier request.",
  other: "The campaign declined for another reason; contact them for details.",
};

export type DeletionRequestOutcome =
  | { ok: false; reason: "email_unverified" }
  | { ok: true; sent: string[]; alreadyRequested: string[]; receiptId: string };

/**
 * Asks every campaign that holds the person's verified account email to delete what it holds on them. Each
 * campaign is checked in its own system scope with the blind index under its own key; campaigns that never
 * made keys hold no sealed data and are skipped (no keys are created for them). One open request per campaign.
 */
export async function requestDeletionEverywhere(db: Database, userId: string, options: { requestId?: string | null; now?: Date } = {}): Promise<DeletionRequestOutcome> {
  const [me] = await withPerson(db, userId, (tx) => tx.select({ email: users.email, verified: users.emailVerifiedAt }).from(users).where(eq(users.id, userId)));
  if (!me?.verified) return { ok: false, reason: "email_unverified" };
  const now = options.now ?? new Date();
  const campaigns = await withSystem(db, (tx) => tx.select({ id: organizations.id, name: organizations.name, settings: organizations.settings }).from(organizations));
  const sent: string[] = [];
  const alreadyRequested: string[] = [];
  for (const campaign of campaigns) {
    if (campaign.settings.deletedAt) continue;
    const result = await withTenant(db, { orgId: campaign.id }, async (tx) => {
      const keys = await listOrganizationKeys(tx, campaign.id);
      if (!keys.some((k) => k.kind === "index" && k.status === "active")) return "no_keys" as const;
      const emailIndex = (await blindIndexer(tx, campaign.id))("email", me.email);
      const [match] = await tx
        .select({ id: contacts.id })
        .from(contacts)
        .where(and(eq(contacts.orgId, campaign.id), eq(contacts.emailIndex, emailIndex)))
        .limit(1);
      if (!match) return "no_match" as const;
      // The partial unique index allows one pending request per campaign and person: a second one is a no-op.
      const [created] = await tx
        .insert(deletionRequests)
        .values({ orgId: campaign.id, requesterId: userId, emailIndex, dueAt: new Date(now.getTime() + DELETION_DUE_DAYS * DAY_MS) })
        .onConflictDoNothing()
        .returning({ id: deletionRequests.id });
      if (!created) return "already" as const;
      await recordAuditEvent(tx, {
        orgId: campaign.id,
        actor: { kind: "member", id: userId },
        action: "deletion_request.created",
        target: { type: "deletion_request", id: created.id },
        requestId: options.requestId,
      });
      return "sent" as const;
    });
    if (result === "sent") sent.push(campaign.name);
    if (result === "already") alreadyRequested.push(campaign.name);
  }
  const [receipt] = await writeReceipts(db, userId, [{ kind: "deletion_requested", count: sent.length, details: { alreadyRequested: alreadyRequested.length } }]);
  return { ok: true, sent, alreadyRequested, receiptId: receipt!.id };
}

export type OwnDeletionRequest = {
  id: string;
  orgName: string;
  status: DeletionRequestStatus;
  createdAt: Date;
  dueAt: Date;
  decidedAt: Date | null;
  contactsDeleted: number | null;
  declineReason: DeletionDeclineReason | null;
};

/** What both the requester and the campaign's managers read of a request (never who asked). */
const requestColumns = {
  id: deletionRequests.id,
  status: deletionRequests.status,
  createdAt: deletionRequests.createdAt,
  dueAt: deletionRequests.dueAt,
  decidedAt: deletionRequests.decidedAt,
  contactsDeleted: deletionRequests.contactsDeleted,
  declineReason: deletionRequests.declineReason,
};

/** The person's own requests (RLS: requester only), newest first, with campaign names and nothing else of theirs. */
export async function listOwnDeletionRequests(db: Database, userId: string): Promise<OwnDeletionRequest[]> {
  const rows = await withPerson(db, userId, (tx) =>
    tx
      .select({ ...requestColumns, orgId: deletionRequests.orgId })
      .from(deletionRequests)
      .where(eq(deletionRequests.requesterId, userId))
      .orderBy(desc(deletionRequests.createdAt)),
  );
  const names = await campaignNames(db, rows.map((r) => r.orgId));
  return rows.map(({ orgId, ...r }) => ({ ...r, orgName: names.get(orgId)?.name ?? "A campaign" }));
}

/** How a request reads to its requester. */
export function describeOwnRequestStatus(r: Pick<OwnDeletionRequest, "status" | "contactsDeleted" | "declineReason">): string {
  if (r.status === "completed") return `Completed: ${r.contactsDeleted ?? 0} contact${r.contactsDeleted === 1 ? "" : "s"} deleted`;
  if (r.status === "declined") return `Declined: ${declineReasonLabels[r.declineReason ?? "other"]}`;
  return "Pending";
}

export type QueuedDeletionRequest = {
  id: string;
  status: DeletionRequestStatus;
  createdAt: Date;
  dueAt: Date;
  decidedAt: Date | null;
  contactsDeleted: number | null;
  declineReason: DeletionDeclineReason | null;
  /** Contacts with the requester's email index that this manager can see (synced ones stay hidden, yet are deleted too). */
  matchingVisible: number;
};

export const DELETION_REQUESTS_PAGE_SIZE = 50;

/** Where each list of the queue is: the pending requests (`pending_after`, …) and the decided ones (`after`, …). */
export type DeletionQueuePositions = { pending?: KeysetPosition | null; decided?: KeysetPosition | null };

const queueColumns = {
  ...requestColumns,
  // Qualified by hand: drizzle leaves columns of a one-table select unqualified, which the subquery would capture.
  matchingVisible: sql<number>`(select count(*)::int from contacts c where c.org_id = deletion_requests.org_id and c.email_index = deletion_requests.email_index)`.mapWith(Number),
};

/**
 * One list of a campaign's queue for its managers, by keyset: the pending requests by due date, the most urgent first
 * (index (org_id, status, due_at)), or the decided ones, the newest request first (index (org_id, created_at, id);
 * created_at is never null, unlike decided_at). No requester identity.
 */
export async function deletionRequestsPage(tx: Transaction, orgId: string, list: "pending" | "decided", position: KeysetPosition | null, pageSize = DELETION_REQUESTS_PAGE_SIZE): Promise<KeysetPage<QueuedDeletionRequest>> {
  const pending = list === "pending";
  const time = pending ? deletionRequests.dueAt : deletionRequests.createdAt;
  const page = await keysetPage(
    { time, id: deletionRequests.id },
    position,
    pageSize,
    (keyset, order, limit) =>
      tx
        .select({ ...queueColumns, micros: keysetMicros(time) })
        .from(deletionRequests)
        .where(and(eq(deletionRequests.orgId, orgId), pending ? eq(deletionRequests.status, "pending") : ne(deletionRequests.status, "pending"), keyset))
        .orderBy(...order)
        .limit(limit),
    pending ? "asc" : "desc",
  );
  return withoutKeys(page);
}

/** The queue page: a page of pending requests and a page of decided ones. */
export async function listCampaignDeletionRequests(tx: Transaction, orgId: string, at: DeletionQueuePositions = {}): Promise<{ pending: KeysetPage<QueuedDeletionRequest>; decided: KeysetPage<QueuedDeletionRequest> }> {
  return { pending: await deletionRequestsPage(tx, orgId, "pending", at.pending ?? null), decided: await deletionRequestsPage(tx, orgId, "decided", at.decided ?? null) };
}

/** The queue in one forward walk (the API): pending requests by due date, then decided ones, newest request first. */
export function walkCampaignDeletionRequests(tx: Transaction, orgId: string, at: TwoListsAt, pageSize = DELETION_REQUESTS_PAGE_SIZE): Promise<{ rows: QueuedDeletionRequest[]; nextCursor: string | null }> {
  return twoListsPage(at, pageSize, (list, position, pageSize) => deletionRequestsPage(tx, orgId, list === 1 ? "pending" : "decided", position, pageSize));
}

/** Whole days a pending request is past due (0 when not yet due). */
export function daysOverdue(dueAt: Date, now = new Date()): number {
  return Math.max(0, Math.floor((now.getTime() - dueAt.getTime()) / DAY_MS));
}

export type DecisionContext = { orgId: string; userId: string; requestId?: string | null };
export type DecisionResult = { ok: true; contactsDeleted?: number } | { ok: false; reason: "not_found" | "already_decided" };

/**
 * Deletes every contact of the campaign matching the request (synced ones too) through the database function,
 * which itself refuses anyone but a manager of that campaign (P0002), and records how many went.
 */
export async function fulfilDeletionRequest(tx: Transaction, ctx: DecisionContext, id: string): Promise<DecisionResult> {
  let contactsDeleted: number;
  try {
    // A savepoint, so a refusal leaves the caller's transaction usable.
    contactsDeleted = await tx.transaction(async (sp) => {
      const [row] = resultRows<{ n: number | string }>(await sp.execute(sql`select fulfil_deletion_request(${id}::uuid) as n`));
      return Number(row?.n ?? 0);
    });
  } catch (err) {
    const code = databaseErrorOf(err)?.code;
    if (code === "P0002") return { ok: false, reason: "not_found" };
    if (code === "55000") return { ok: false, reason: "already_decided" };
    throw err;
  }
  await recordAuditEvent(tx, {
    orgId: ctx.orgId,
    actor: { kind: "member", id: ctx.userId },
    action: "deletion_request.completed",
    target: { type: "deletion_request", id },
    metadata: { contactsDeleted },
    requestId: ctx.requestId,
  });
  return { ok: true, contactsDeleted };
}

/** Declines a pending request with a reason the requester reads in words; RLS lets only the campaign's managers decide. */
export async function declineDeletionRequest(tx: Transaction, ctx: DecisionContext, id: string, reason: DeletionDeclineReason): Promise<DecisionResult> {
  const [declined] = await tx
    .update(deletionRequests)
    .set({ status: "declined", declineReason: reason, decidedBy: ctx.userId, decidedAt: new Date() })
    .where(and(eq(deletionRequests.id, id), eq(deletionRequests.orgId, ctx.orgId), eq(deletionRequests.status, "pending")))
    .returning({ id: deletionRequests.id });
  if (!declined) {
    const [exists] = await tx.select({ id: deletionRequests.id }).from(deletionRequests).where(and(eq(deletionRequests.id, id), eq(deletionRequests.orgId, ctx.orgId)));
    return { ok: false, reason: exists ? "already_decided" : "not_found" };
  }
  await recordAuditEvent(tx, {
    orgId: ctx.orgId,
    actor: { kind: "member", id: ctx.userId },
    action: "deletion_request.declined",
    target: { type: "deletion_request", id },
    metadata: { reason },
    requestId: ctx.requestId,
  });
  return { ok: true };
}
