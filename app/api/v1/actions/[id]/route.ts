import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { trashCampaignAction } from "@/lib/campaign-actions/commands";
import { getCampaignAction } from "@/lib/campaign-actions/queries";
import { campaignActionNotFound, campaignActionViewer } from "@/lib/campaign-actions/viewer";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.getAction, async ({ tx, access, params }) => {
  const action = await getCampaignAction(tx, campaignActionViewer(access), params.id);
  if (!action) throw campaignActionNotFound();
  return { body: { action } };
});

export const DELETE = apiRoute(endpoints.deleteAction, async ({ tx, access, params, requestId }) => {
  await trashCampaignAction(tx, campaignActionViewer(access), params.id, { requestId });
  return { status: 204 };
});
