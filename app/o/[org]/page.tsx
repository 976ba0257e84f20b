import Link from "next/link";
import type { ReactNode } from "react";
import { LiveFeed } from "@/app/_components/live-feed";
import { Card, mutedTextClass } from "@/app/_components/ui";
import { feedIn } from "@/lib/tenancy/feed";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { dashboardCounts, startChecklist, type ChecklistItem } from "@/lib/workspace/dashboard";

const cardClass =
  "block rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 dark:border-slate-800 dark:bg-slate-900";

function CountCard({ testId, href, label, value, atLeast = false, children }: { testId: string; href: string; label: string; value?: number; atLeast?: boolean; children?: ReactNode }) {
  return (
    <Link href={href} data-testid={testId} className={cardClass}>
      <p className={mutedTextClass}>{label}</p>
      {value !== undefined && <p className="text-3xl font-bold">{value.toLocaleString("en-GB")}{atLeast ? "+" : ""}</p>}
      {children}
    </Link>
  );
}

function Checklist({ items }: { items: ChecklistItem[] }) {
  return (
    <Card className="lg:col-span-3">
      <div data-testid="start-checklist">
        <h2 className="font-semibold">Get your campaign started</h2>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">Three steps and your volunteers have something to do.</p>
        <ol className="mt-3 flex flex-col gap-2 text-sm">
          {items.map((item, i) => (
            <li key={item.key} data-testid={`checklist-${item.key}`} data-done={item.done ? "true" : "false"} className="flex items-center gap-2">
              <span aria-hidden="true" className={item.done ? "text-green-700 dark:text-green-400" : "text-slate-400"}>
                {item.done ? "✓" : "○"}
              </span>
              <span>
                {i + 1}.{" "}
                <Link href={item.href} className={item.done ? "text-slate-500 line-through" : "font-semibold underline"}>
                  {item.label}
                </Link>
                {item.done && <span className="sr-only"> (done)</span>}
              </span>
            </li>
          ))}
        </ol>
      </div>
    </Card>
  );
}

export default async function DashboardPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "org:view");
  const base = `/o/${access.org.slug}`;
  const { counts, feed } = await access.run(async (tx) => ({
    counts: await dashboardCounts(tx, { orgId: access.org.id, userId: access.userId, can: access.can }),
    feed: await feedIn(tx, access, { limit: 20 }),
  }));
  const checklist = counts.view === "manager" && access.can("contacts:write") ? startChecklist(access.org.slug, counts) : null;
  const idle = counts.view === "volunteer" && counts.assignedContacts === 0 && counts.actions === 0;
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <div className="grid gap-4 sm:grid-cols-2 lg:col-span-3 lg:grid-cols-4">
        {counts.view === "manager" ? (
          <>
            <CountCard testId="count-contacts" href={`${base}/contacts`} label="Contacts" value={counts.contacts} atLeast={!counts.contactsExact} />
            <CountCard testId="count-actions" href={`${base}/actions`} label="Live actions" value={counts.actions} />
            {counts.members !== null && (
              <CountCard testId="count-volunteers" href={`${base}/volunteers`} label="Members" value={counts.members}>
                <p className={mutedTextClass}>{counts.volunteers} volunteers</p>
              </CountCard>
            )}
            <CountCard testId="count-reports" href={`${base}/reports`} label="Reports completed this week" value={counts.reportsThisWeek} />
          </>
        ) : (
          <>
            <CountCard testId="count-contacts" href={`${base}/contacts`} label="Your contacts">
              <dl className="mt-1 grid grid-cols-[auto_1fr] items-baseline gap-x-3">
                <dd data-testid="count-contacts-assigned" className="text-3xl font-bold">{counts.assignedContacts}</dd>
                <dt className={mutedTextClass}>assigned to you</dt>
                <dd data-testid="count-contacts-synced" className="text-xl font-bold">{counts.syncedContacts}</dd>
                <dt className={mutedTextClass}>you synced</dt>
              </dl>
            </CountCard>
            <CountCard testId="count-actions" href={`${base}/actions`} label="Actions given to you" value={counts.actions} />
            <CountCard testId="count-reports" href={`${base}/reports`} label="Your reports completed this week" value={counts.reportsThisWeek} />
          </>
        )}
      </div>
      {checklist && <Checklist items={checklist} />}
      {idle && (
        <Card className="lg:col-span-3">
          <div data-testid="volunteer-empty">
            <h2 className="font-semibold">Nothing is assigned to you yet</h2>
            <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
              When an admin gives you contacts or actions, they show here. Meanwhile you can add people you know from your own address
              book: they stay yours, and admins see how many you added, not who, until you complete a report on one.
            </p>
            {access.can("contacts:sync") && (
              <Link href={`${base}/contacts/sync`} className="mt-3 inline-block text-sm font-semibold underline">
                Add from my address book
              </Link>
            )}
          </div>
        </Card>
      )}
      <Card className="lg:col-span-3">
        <div className="mb-3 flex items-baseline justify-between">
          <h1 className="text-lg font-semibold">{access.role === "volunteer" ? "Your recent activity" : "Recent activity"}</h1>
          <Link href={`${base}/activity`} className="text-sm underline">
            See all
          </Link>
        </div>
        <LiveFeed org={access.org.slug} initial={feed.items} />
      </Card>
    </div>
  );
}
