import { decodeTwoListsNextCursor } from "@/lib/api/cursor";
import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { walkCampaignDeletionRequests } from "@/lib/privacy/deletion-requests";

export const dynamic = "force-dynamic";

/** Pending requests by due date, then decided ones; keyset pages through nextCursor. */
export const GET = apiRoute(endpoints.listDeletionRequests, async ({ tx, access, query }) => {
  const page = await walkCampaignDeletionRequests(tx, access.org.id, decodeTwoListsNextCursor(query.cursor));
  return { body: { deletionRequests: page.rows, nextCursor: page.nextCursor } };
});
