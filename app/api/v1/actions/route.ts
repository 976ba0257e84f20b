import { decodeNextCursor } from "@/lib/api/cursor";
import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { addCampaignAction } from "@/lib/campaign-actions/commands";
import { getCampaignAction, listCampaignActions } from "@/lib/campaign-actions/queries";
import { campaignActionViewer } from "@/lib/campaign-actions/viewer";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.listActions, async ({ tx, access, query }) => {
  const page = await listCampaignActions(tx, campaignActionViewer(access), { position: decodeNextCursor(query.cursor) });
  return { body: { actions: page.rows, nextCursor: page.nextCursor } };
});

export const POST = apiRoute(endpoints.createAction, async ({ tx, access, body, requestId }) => {
  const viewer = campaignActionViewer(access);
  const id = await addCampaignAction(tx, viewer, body, { requestId });
  return { status: 201, body: { action: await getCampaignAction(tx, viewer, id) } };
});
