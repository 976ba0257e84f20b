import { and, eq, sql } from "drizzle-orm";
import { memberships, organizations, users } from "@/db/schema";
import type { Role } from "@/db/schema/organizations";
import { loadActivityFeedIn } from "@/lib/audit";
import { withSystem } from "@/lib/db/tenant";
import { getServices } from "@/lib/services";
import { feedQueryFrom } from "@/lib/tenancy/feed";

/**
 * The baseline of bench/http-stack.ts: the same read as `/api/o/[org]/activity` (the feed page and the names in it)
 * with no middleware (middleware.ts excludes /api/bench/bare), no session, no guard and no tenant transaction: the
 * read runs in a plain transaction that leaves the app role every connection works as (`SET LOCAL ROLE NONE`, one
 * statement), so no row-level security applies. `?org=<slug>&as=<email>` names the viewer, looked up once per
 * process. It answers only when the bench started the server with RAMPART_BENCH=1.
 */
export const dynamic = "force-dynamic";

type Viewer = { orgId: string; userId: string; role: Role };
const viewers = new Map<string, Promise<Viewer | null>>();

async function lookUp(slug: string, email: string): Promise<Viewer | null> {
  const { db } = await getServices();
  const [row] = await withSystem(db, (tx) =>
    tx
      .select({ orgId: organizations.id, userId: users.id, role: memberships.role })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.orgId))
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(organizations.slug, slug), eq(users.email, email))),
  );
  return row ?? null;
}

// route-guard: public — the bench baseline: no guard by design, and it answers only when RAMPART_BENCH=1
export async function GET(request: Request): Promise<Response> {
  if (process.env.RAMPART_BENCH !== "1") return new Response("Not Found", { status: 404 });
  const params = new URL(request.url).searchParams;
  const key = `${params.get("org") ?? ""}\n${params.get("as") ?? ""}`;
  let viewer = viewers.get(key);
  if (!viewer) viewers.set(key, (viewer = lookUp(params.get("org") ?? "", params.get("as") ?? "")));
  const found = await viewer;
  if (!found) return new Response("Not Found", { status: 404 });
  const { db } = await getServices();
  const page = await db.transaction(async (tx) => {
    await tx.execute(sql.raw("SET LOCAL ROLE NONE"));
    return loadActivityFeedIn(tx, found, feedQueryFrom(request.url));
  });
  return Response.json(page, { headers: { "cache-control": "no-store" } });
}
