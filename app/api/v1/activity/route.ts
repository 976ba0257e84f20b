import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { feedIn } from "@/lib/tenancy/feed";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.listActivity, async ({ tx, access, query }) => {
  const page = await feedIn(tx, access, { before: query.cursor, actions: query.category, limit: query.limit ?? 50 });
  return { body: page };
});
