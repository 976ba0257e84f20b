import { apiRoute } from "@/lib/api/route";
import { endpoints } from "@/lib/api/endpoints";
import { issueTokenWithCredentials, tokenAnswer } from "@/lib/api/credentials";
import { listApiTokens } from "@/lib/api/tokens";
import { clientAddress } from "@/lib/http/client-address";

export const dynamic = "force-dynamic";

export const POST = apiRoute(endpoints.createToken, async ({ request, body, requestId }) =>
  tokenAnswer(await issueTokenWithCredentials({ clientAddress: clientAddress(request.headers), userAgent: request.headers.get("user-agent") }, body, requestId), 201),
);

export const GET = apiRoute(endpoints.listTokens, async ({ tx, access }) => ({
  body: { tokens: await listApiTokens(tx, { orgId: access.org.id, userId: access.userId }) },
}));
