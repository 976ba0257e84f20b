import "server-only";
import { z } from "zod";
import { auditCategories, loadActivityFeedIn, type ActivityQuery, type FeedPage } from "@/lib/audit";
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

const feedQuerySchema = z.object({
  after: z.string().max(200).optional(),
  before: z.string().max(200).optional(),
  category: z.enum(auditCategories).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

/** The feed's JSON query string (`after` for live polling, `before`, `category`, `limit`) as a feed query. */
export function feedQueryFrom(url: string): ActivityQuery {
  const q = feedQuerySchema.parse(Object.fromEntries(new URL(url).searchParams));
  return { after: q.after, before: q.before, actions: q.category, limit: q.limit ?? 20 };
}
