import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { getCampaignAction } from "@/lib/campaign-actions/queries";
import { restoreCampaignAction } from "@/lib/campaign-actions/trash";
import { campaignActionViewer } from "@/lib/campaign-actions/viewer";

export const dynamic = "force-dynamic";

export const POST = apiRoute(endpoints.restoreAction, async ({ tx, access, params, requestId }) => {
  const viewer = campaignActionViewer(access);
  await restoreCampaignAction(tx, viewer, params.id, { requestId });
  return { body: { action: await getCampaignAction(tx, viewer, params.id) } };
});
