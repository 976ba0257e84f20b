import { endpoints } from "@/lib/api/endpoints";
import { openApiDocument } from "@/lib/api/openapi";
import { apiRoute } from "@/lib/api/route";
import { getConfig } from "@/lib/config";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.openapi, async () => ({ body: openApiDocument(getConfig().appUrl), headers: { "cache-control": "public, max-age=300" } }));
