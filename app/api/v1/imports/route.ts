import { decodeNextCursor } from "@/lib/api/cursor";
import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { listImports } from "@/lib/imports/service";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.listImports, async ({ tx, access, query }) => {
  const page = await listImports(tx, access.org.id, { position: decodeNextCursor(query.cursor) });
  return { body: { imports: page.rows, nextCursor: page.nextCursor } };
});
