import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { listCampaignDeletionRequests } from "@/lib/privacy/deletion-requests";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.listDeletionRequests, async ({ tx, access }) => ({
  body: { deletionRequests: await listCampaignDeletionRequests(tx, access.org.id) },
}));
