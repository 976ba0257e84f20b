import "server-only";
import { and, desc, eq, inArray } from "drizzle-orm";
import { auditEvents, memberships, users } from "@/db/schema";
import { describeEvent, type AuditAction } from "@/lib/audit";
import { feedEventColumns } from "@/lib/audit/feed";
import type { Transaction } from "@/lib/db/client";
import { contactScope, getContact, type ContactViewer } from "./contacts";

export type ContactHistoryItem = { id: string; at: Date; action: AuditAction; sentence: string };

export const CONTACT_HISTORY_LIMIT = 50;

/**
 * What happened to one contact, newest first, in the activity feed's words: for managers only, and only for a
 * contact they can see. Uses the audit log's (org_id, target_id, seq) index.
 */
export async function listContactHistory(tx: Transaction, viewer: ContactViewer, contactId: string, limit = CONTACT_HISTORY_LIMIT): Promise<ContactHistoryItem[]> {
  if (contactScope(viewer) !== "full" || !(await getContact(tx, viewer, contactId))) return [];
  const events = await tx
    .select(feedEventColumns)
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, viewer.orgId), eq(auditEvents.targetId, contactId.toLowerCase()), eq(auditEvents.targetType, "contact")))
    .orderBy(desc(auditEvents.seq))
    .limit(Math.min(Math.max(1, limit), 200));
  const actorIds = [...new Set(events.flatMap((e) => (e.actorKind === "member" && e.actorId ? [e.actorId] : [])))];
  // Current members only: a former member is "a member", as in the feed.
  const names = new Map(
    actorIds.length
      ? (
          await tx
            .select({ id: users.id, name: users.name })
            .from(memberships)
            .innerJoin(users, eq(users.id, memberships.userId))
            .where(and(eq(memberships.orgId, viewer.orgId), inArray(memberships.userId, actorIds)))
        ).map((r) => [r.id, r.name] as const)
      : [],
  );
  return events.map((e) => ({
    id: e.id,
    at: e.createdAt,
    action: e.action as AuditAction,
    sentence: describeEvent({ ...e, metadata: (e.metadata ?? {}) as Record<string, unknown> }, (id) => names.get(id), { viewerId: viewer.userId }),
  }));
}
