import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { importProgress } from "@/lib/imports/service";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.getImport, async ({ tx, access, params }) => ({ body: { id: params.id, ...(await importProgress(tx, access.org.id, params.id)) } }));
