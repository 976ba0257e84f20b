import { feedFor, feedQueryFrom } from "@/lib/tenancy/feed";
import { orgRoute } from "@/lib/tenancy/guards";

export const dynamic = "force-dynamic";

/** The activity feed as JSON, for live updates on the dashboard (poll with `after`). */
export const GET = orgRoute(
  "org:view",
  async (request, { access }) => {
    const page = await feedFor(access, feedQueryFrom(request.url));
    return Response.json(page, { headers: { "cache-control": "no-store" } });
  },
  { oneTransaction: true },
);
