import Link from "next/link";
import { FeedList } from "@/app/_components/live-feed";
import { Card } from "@/app/_components/ui";
import { auditCategories, auditCategoryLabels, type AuditCategory } from "@/lib/audit";
import { feedIn } from "@/lib/tenancy/feed";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { listMembers } from "@/lib/tenancy/campaigns";

export const metadata = { title: "Activity" };

export default async function ActivityPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Record<string, string | undefined>> }) {
  const { org } = await params;
  const sp = await searchParams;
  const access = await requireOrgAccess(org, "org:view");
  const category = auditCategories.includes(sp.category as AuditCategory) ? (sp.category as AuditCategory) : undefined;
  const before = typeof sp.before === "string" && sp.before.length < 200 ? sp.before : undefined;
  const from = sp.from && /^\d{4}-\d{2}-\d{2}$/.test(sp.from) ? new Date(`${sp.from}T00:00:00Z`) : undefined;
  const to = sp.to && /^\d{4}-\d{2}-\d{2}$/.test(sp.to) ? new Date(`${sp.to}T23:59:59.999Z`) : undefined;
  // Owners, admins and support may narrow the feed to one member; volunteers only ever see their own.
  const { members, page } = await access.run(async (tx) => {
    const members = access.can("activity:read") ? await listMembers(tx, access.org.id) : [];
    const person = members.find((m) => m.userId === sp.person)?.userId;
    return { members, page: await feedIn(tx, access, { before, actions: category, from, to, actorId: person, limit: 50 }) };
  });
  const person = members.find((m) => m.userId === sp.person)?.userId;
  const base = `/o/${access.org.slug}/activity`;
  const filterQuery = new URLSearchParams(Object.entries({ category, person, from: sp.from, to: sp.to }).filter(([, v]) => v) as [string, string][]);
  return (
    <Card>
      <h1 className="mb-4 text-lg font-semibold">{access.role === "volunteer" ? "Your activity" : "Activity"}</h1>
      <form className="mb-4 flex flex-wrap items-end gap-3 text-sm" method="get">
        <label className="flex flex-col">
          Type
          <select name="category" defaultValue={category ?? ""} className="rounded border border-slate-300 px-2 py-1 dark:border-slate-600 dark:bg-slate-800">
            <option value="">Everything</option>
            {auditCategories.map((c) => (
              <option key={c} value={c}>
                {auditCategoryLabels[c]}
              </option>
            ))}
          </select>
        </label>
        {members.length > 0 && (
          <label className="flex flex-col">
            Person
            <select name="person" defaultValue={person ?? ""} className="rounded border border-slate-300 px-2 py-1 dark:border-slate-600 dark:bg-slate-800">
              <option value="">Everyone</option>
              {members.map((m) => (
                <option key={m.userId} value={m.userId}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="flex flex-col">
          From
          <input type="date" name="from" defaultValue={sp.from} className="rounded border border-slate-300 px-2 py-1 dark:border-slate-600 dark:bg-slate-800" />
        </label>
        <label className="flex flex-col">
          To
          <input type="date" name="to" defaultValue={sp.to} className="rounded border border-slate-300 px-2 py-1 dark:border-slate-600 dark:bg-slate-800" />
        </label>
        <button type="submit" className="rounded border border-slate-300 px-3 py-1 font-medium dark:border-slate-600">
          Filter
        </button>
      </form>
      {page.items.length === 0 ? <p className="text-sm">No activity matches.</p> : <FeedList items={page.items} />}
      {page.nextCursor && (
        <Link href={`${base}?${new URLSearchParams([...filterQuery, ["before", page.nextCursor]])}`} className="mt-4 inline-block text-sm underline">
          Older activity
        </Link>
      )}
    </Card>
  );
}
