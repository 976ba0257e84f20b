import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { listImports } from "@/lib/imports/service";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.listImports, async ({ tx, access }) => ({ body: { imports: await listImports(tx, access.org.id) } }));
