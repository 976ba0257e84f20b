import { decisionAnswer } from "@/lib/api/deletion-requests";
import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { declineDeletionRequest } from "@/lib/privacy/deletion-requests";

export const dynamic = "force-dynamic";

export const POST = apiRoute(endpoints.declineDeletionRequest, async ({ tx, access, params, body, requestId }) =>
  decisionAnswer(await declineDeletionRequest(tx, { orgId: access.org.id, userId: access.userId, requestId }, params.id, body.reason)),
);
