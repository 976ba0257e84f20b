import { apiRoute } from "@/lib/api/route";
import { endpoints } from "@/lib/api/endpoints";
import { revokeApiToken } from "@/lib/api/tokens";

export const dynamic = "force-dynamic";

export const DELETE = apiRoute(endpoints.revokeToken, async ({ tx, access, params, requestId }) => {
  await revokeApiToken(tx, { orgId: access.org.id, userId: access.userId, role: access.role }, params.id, { requestId });
  return { status: 204 };
});
