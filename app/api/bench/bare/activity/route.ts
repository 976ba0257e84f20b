import { timingSafeEqual } from "node:crypto";
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
 * process. It reads any campaign's feed, so it answers only when the bench started the server with RAMPART_BENCH=1
 * and a RAMPART_BENCH_SECRET of 32+ characters, to requests carrying that secret in x-rampart-bench-secret; else 404.
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

function benchCaller(request: Request): boolean {
  const secret = process.env.RAMPART_BENCH_SECRET ?? "";
  const given = request.headers.get("x-rampart-bench-secret") ?? "";
  if (process.env.RAMPART_BENCH !== "1" || secret.length < 32 || given.length !== secret.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(secret));
}

// route-guard: public — the bench baseline: no guard by design; it answers only to the bench (RAMPART_BENCH=1 and its secret)
export async function GET(request: Request): Promise<Response> {
  if (!benchCaller(request)) return new Response("Not Found", { status: 404 });
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
