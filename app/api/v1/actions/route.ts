import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { addCampaignAction } from "@/lib/campaign-actions/commands";
import { getCampaignAction, listCampaignActions } from "@/lib/campaign-actions/queries";
import { campaignActionViewer } from "@/lib/campaign-actions/viewer";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.listActions, async ({ tx, access }) => ({ body: { actions: await listCampaignActions(tx, campaignActionViewer(access)) } }));

export const POST = apiRoute(endpoints.createAction, async ({ tx, access, body, requestId }) => {
  const viewer = campaignActionViewer(access);
  const id = await addCampaignAction(tx, viewer, body, { requestId });
  return { status: 201, body: { action: await getCampaignAction(tx, viewer, id) } };
});
