import Link from "next/link";
import { Card, dividedListClass, mutedTextClass, primaryButtonClass } from "@/app/_components/ui";
import { KeysetPager } from "@/app/_components/keyset-pager";
import { keysetPositionFrom } from "@/lib/pagination/keyset";
import { loadCampaignActionsPage } from "@/lib/campaign-actions/queries";
import { campaignActionViewer } from "@/lib/campaign-actions/viewer";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { formatSpan } from "./format";
import { KindBadge } from "./kind-badge";

export const metadata = { title: "Actions" };

export default async function ActionsPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { org } = await params;
  const sp = await searchParams;
  const deleted = typeof sp.deleted === "string" ? sp.deleted : undefined;
  // A malformed cursor reads as the newest page (lib/pagination/keyset).
  const position = keysetPositionFrom(sp);
  const access = await requireOrgAccess(org, ["actions:read", "actions:read_assigned"]);
  const { page, trashCount } = await access.run((tx) => loadCampaignActionsPage(tx, campaignActionViewer(access), position));
  const items = page.rows;
  const manager = access.can("actions:read");
  const base = `/o/${access.org.slug}/actions`;
  return (
    <Card>
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-lg font-semibold">{manager ? "Actions" : "Your actions"}</h1>
        <div className="flex flex-wrap items-center gap-3">
          {access.can("actions:restore") && (
            <Link href={`${base}/trash`} className="text-sm underline" data-testid="trash-link">
              Trash ({trashCount})
            </Link>
          )}
          {access.can("actions:write") && (
            <Link href={`${base}/new`} className={primaryButtonClass}>
              New action
            </Link>
          )}
        </div>
      </div>
      {deleted && (
        <p role="status" className="mb-4 rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
          Moved to the trash. You can restore it from there.
        </p>
      )}
      {items.length === 0 ? (
        <p className={mutedTextClass} data-testid="actions-empty">
          {position ? (
            <>
              No actions on this page.{" "}
              <Link href={base} className="underline">
                Go to the newest actions
              </Link>
            </>
          ) : manager
            ? "No actions yet. Create one to give volunteers something to do: a call list, a canvass, an event…"
            : "No actions are assigned to you yet. Your campaign's admins will give you some."}
        </p>
      ) : (
        <ul className={dividedListClass} data-testid="action-list">
          {items.map((a) => (
            <li key={a.id} className="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="action-row">
              <div className="min-w-0">
                <p className="flex flex-wrap items-center gap-2">
                  <KindBadge kind={a.kind} />
                  <Link href={`${base}/${a.id}`} className="font-medium underline-offset-2 hover:underline">
                    {a.title}
                  </Link>
                </p>
                <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{formatSpan(a.startsAt, a.endsAt)}</p>
              </div>
              <p className={mutedTextClass}>
                {a.assigneeCount !== null && (
                  <span data-testid="assignee-count">
                    {a.assigneeCount} {a.assigneeCount === 1 ? "person" : "people"} ·{" "}
                  </span>
                )}
                <span data-testid="target-count">
                  {a.targetCount} {manager ? (a.targetCount === 1 ? "contact" : "contacts") : a.targetCount === 1 ? "contact for you" : "contacts for you"}
                </span>
              </p>
            </li>
          ))}
        </ul>
      )}
      <KeysetPager page={page} base={base} label="Pages of actions" testId="action-pages" />
    </Card>
  );
}
