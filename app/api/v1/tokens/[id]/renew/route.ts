import { apiRoute } from "@/lib/api/route";
import { endpoints } from "@/lib/api/endpoints";
import { renewTokenWithCredentials, tokenAnswer } from "@/lib/api/credentials";
import { clientAddress } from "@/lib/http/client-address";

export const dynamic = "force-dynamic";

export const POST = apiRoute(endpoints.renewToken, async ({ request, params, body, requestId }) =>
  tokenAnswer(await renewTokenWithCredentials({ clientAddress: clientAddress(request.headers), userAgent: request.headers.get("user-agent") }, params.id, body, requestId), 200),
);
