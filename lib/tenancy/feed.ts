import "server-only";
import { loadActivityFeed, type ActivityQuery, type FeedPage } from "@/lib/audit";
import { getServices } from "@/lib/services";
import type { OrgAccess } from "./access";

/** The feed as this viewer may see it: owners, admins and support see the campaign's events, volunteers their own. */
export async function feedFor(access: OrgAccess, query: ActivityQuery = {}): Promise<FeedPage> {
  const { db } = await getServices();
  const role = access.role === "support" ? "admin" : access.role;
  return loadActivityFeed(db, { orgId: access.org.id, userId: access.userId, role }, query);
}
