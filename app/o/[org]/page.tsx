import Link from "next/link";
import { count, eq } from "drizzle-orm";
import { LiveFeed } from "@/app/_components/live-feed";
import { Card } from "@/app/_components/ui";
import { memberships } from "@/db/schema";
import { feedFor } from "@/lib/tenancy/feed";
import { requireOrgAccess } from "@/lib/tenancy/next";

export default async function DashboardPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "org:view");
  const [members] = await access.run((tx) => tx.select({ n: count() }).from(memberships).where(eq(memberships.orgId, access.org.id)));
  const feed = await feedFor(access, { limit: 20 });
  const alone = (members?.n ?? 0) <= 1;
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <div className="flex flex-col gap-4">
        <Card>
          <p className="text-sm text-slate-600 dark:text-slate-400">Members</p>
          <p className="text-3xl font-bold">{members?.n ?? 0}</p>
        </Card>
        {alone && access.can("members:invite") && (
          <Card>
            <h2 className="font-semibold">Start here</h2>
            <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">A campaign is its people. Invite your admins and volunteers first.</p>
            <Link href={`/o/${access.org.slug}/volunteers`} className="mt-3 inline-block text-sm font-semibold underline">
              Invite people
            </Link>
          </Card>
        )}
      </div>
      <Card className="lg:col-span-2">
        <div className="mb-3 flex items-baseline justify-between">
          <h1 className="text-lg font-semibold">{access.role === "volunteer" ? "Your recent activity" : "Recent activity"}</h1>
          <Link href={`/o/${access.org.slug}/activity`} className="text-sm underline">
            See all
          </Link>
        </div>
        <LiveFeed org={access.org.slug} initial={feed.items} />
      </Card>
    </div>
  );
}
