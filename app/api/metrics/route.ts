import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { checkBearer } from "@/lib/http/bearer";
import { problemResponse } from "@/lib/http/problem";
import { publicRoute } from "@/lib/http/route";
import { renderMetrics } from "@/lib/metrics/scrape";

export const dynamic = "force-dynamic";

/** Prometheus scrape: 404 while METRICS_TOKEN is unset (nothing to find), 401 without the right bearer token. */
export const GET = publicRoute(async (request, { requestId }) => {
  const token = getConfig().metricsToken;
  if (!token) return problemResponse({ status: 404, title: "Not found", requestId });
  if (checkBearer(request.headers, token) !== "ok")
    return problemResponse({ status: 401, title: "Bearer token required", requestId }, { headers: { "www-authenticate": 'Bearer realm="metrics"' } });
  const { contentType, body } = await renderMetrics(await getDb());
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
});
