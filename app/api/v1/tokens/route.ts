import { apiRoute } from "@/lib/api/route";
import { endpoints } from "@/lib/api/endpoints";
import { issueTokenWithCredentials } from "@/lib/api/credentials";
import { listApiTokens } from "@/lib/api/tokens";

export const dynamic = "force-dynamic";

export const POST = apiRoute(endpoints.createToken, async ({ request, body, requestId }) => ({
  status: 201,
  body: await issueTokenWithCredentials(request, body, requestId),
}));

export const GET = apiRoute(endpoints.listTokens, async ({ tx, access }) => ({
  body: { tokens: await listApiTokens(tx, { orgId: access.org.id, userId: access.userId }) },
}));
