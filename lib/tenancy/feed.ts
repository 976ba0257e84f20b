import "server-only";
import { loadActivityFeedIn, type ActivityQuery, type FeedPage } from "@/lib/audit";
import type { Transaction } from "@/lib/db";
import type { OrgAccess } from "./access";

/**
 * The feed as this viewer may see it (owners, admins and support see the campaign's events, volunteers their own),
 * inside the caller's tenant transaction for this viewer, so a page loads it with the rest of its data.
 */
export function feedIn(tx: Transaction, access: OrgAccess, query: ActivityQuery = {}): Promise<FeedPage> {
  const role = access.role === "support" ? "admin" : access.role;
  return loadActivityFeedIn(tx, { orgId: access.org.id, userId: access.userId, role }, query);
}

/** The same in a transaction of its own (the feed's JSON route). */
export function feedFor(access: OrgAccess, query: ActivityQuery = {}): Promise<FeedPage> {
  return access.run((tx) => feedIn(tx, access, query));
}
