import { apiRoute } from "@/lib/api/route";
import { endpoints } from "@/lib/api/endpoints";
import { renewTokenWithCredentials } from "@/lib/api/credentials";

export const dynamic = "force-dynamic";

export const POST = apiRoute(endpoints.renewToken, async ({ request, params, body, requestId }) => ({
  body: await renewTokenWithCredentials(request, params.id, body, requestId),
}));
