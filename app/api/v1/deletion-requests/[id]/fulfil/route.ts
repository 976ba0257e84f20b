import { decisionAnswer } from "@/lib/api/deletion-requests";
import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { fulfilDeletionRequest } from "@/lib/privacy/deletion-requests";

export const dynamic = "force-dynamic";

export const POST = apiRoute(endpoints.fulfilDeletionRequest, async ({ tx, access, params, requestId }) =>
  decisionAnswer(await fulfilDeletionRequest(tx, { orgId: access.org.id, userId: access.userId, requestId }, params.id)),
);
