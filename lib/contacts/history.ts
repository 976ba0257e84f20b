import "server-only";
import { loadActivityFeedIn, type FeedItem } from "@/lib/audit";
import type { Transaction } from "@/lib/db/client";
import { contactIsVisible, contactScope, type ContactViewer } from "./visibility";

export const CONTACT_HISTORY_LIMIT = 50;

/**
 * What happened to one contact, newest first, in the activity feed's words (the feed's own page, filtered to this
 * target): for managers and support only, and only for a contact they can see.
 */
export async function listContactHistory(tx: Transaction, viewer: ContactViewer, contactId: string, limit = CONTACT_HISTORY_LIMIT): Promise<FeedItem[]> {
  if (contactScope(viewer) !== "full" || !(await contactIsVisible(tx, viewer, contactId))) return [];
  // Support reads the campaign's feed as an admin does (lib/tenancy/feed.ts).
  const feedViewer = { orgId: viewer.orgId, userId: viewer.userId, role: viewer.role === "support" ? "admin" : viewer.role } as const;
  return (await loadActivityFeedIn(tx, feedViewer, { target: { type: "contact", id: contactId }, limit })).items;
}
