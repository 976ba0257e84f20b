import { z } from "zod";
import { auditCategories } from "@/lib/audit";
import { feedFor } from "@/lib/tenancy/feed";
import { orgRoute } from "@/lib/tenancy/guards";

export const dynamic = "force-dynamic";

const query = z.object({
  after: z.string().max(200).optional(),
  before: z.string().max(200).optional(),
  category: z.enum(auditCategories).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

/** The activity feed as JSON, for live updates on the dashboard (poll with `after`). */
export const GET = orgRoute("org:view", async (request, { access }) => {
  const q = query.parse(Object.fromEntries(new URL(request.url).searchParams));
  const page = await feedFor(access, { after: q.after, before: q.before, actions: q.category, limit: q.limit ?? 20 });
  return Response.json(page, { headers: { "cache-control": "no-store" } });
});
