import Link from "next/link";
import { Card, dividedListClass, mutedTextClass } from "@/app/_components/ui";
import { KeysetPager } from "@/app/_components/keyset-pager";
import { keysetPositionFrom } from "@/lib/pagination/keyset";
import { listCampaignActionTrash } from "@/lib/campaign-actions/trash";
import { campaignActionViewer } from "@/lib/campaign-actions/viewer";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { purgeCampaignActionAction, restoreCampaignActionAction } from "../actions";
import { formatDay } from "../format";
import { KindBadge } from "../kind-badge";
import { ActionButton } from "@/app/_components/action-button";

export const metadata = { title: "Trash" };

export default async function TrashPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { org } = await params;
  // A malformed cursor reads as the newest page (lib/pagination/keyset).
  const position = keysetPositionFrom(await searchParams);
  const access = await requireOrgAccess(org, "actions:restore");
  const page = await access.run((tx) => listCampaignActionTrash(tx, campaignActionViewer(access), { position }));
  const { retentionDays, rows: items } = page;
  const slug = access.org.slug;
  return (
    <Card>
      <p className="mb-2 text-sm">
        <Link href={`/o/${slug}/actions`} className="underline">
          ← Actions
        </Link>
      </p>
      <h1 className="mb-1 text-lg font-semibold">Trash</h1>
      <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">
        Deleted actions can be restored for {retentionDays} days, then they are deleted for good.
        {access.can("org:settings") && (
          <>
            {" "}
            <Link href={`/o/${slug}/settings`} className="underline">
              Change how long
            </Link>
          </>
        )}
      </p>
      {items.length === 0 ? (
        position ? (
          <p className={mutedTextClass}>
            Nothing on this page.{" "}
            <Link href={`/o/${slug}/actions/trash`} className="underline">
              Go to the latest deleted
            </Link>
          </p>
        ) : (
          <p className={mutedTextClass} data-testid="trash-empty">
            The trash is empty. Deleted actions stay here for {retentionDays} days before they are purged.
          </p>
        )
      ) : (
        <ul className={dividedListClass} data-testid="trash-list">
          {items.map((a) => (
            <li key={a.id} className="flex flex-wrap items-center justify-between gap-3 py-3" data-testid="trash-row">
              <div className="min-w-0">
                <p className="flex flex-wrap items-center gap-2">
                  <KindBadge kind={a.kind} /> <span className="font-medium">{a.title}</span>
                </p>
                <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
                  Deleted by {a.deletedByName ?? "a former member"} on {formatDay(a.deletedAt)} · Purged after {formatDay(a.purgeAfter)}
                </p>
              </div>
              <div className="flex flex-wrap items-center gap-2">
                <ActionButton action={restoreCampaignActionAction} hidden={{ org: slug, id: a.id }} label="Restore" testId="action-restore" announce ariaLabel={`Restore ${a.title}`} />
                <ActionButton
                  action={purgeCampaignActionAction}
                  hidden={{ org: slug, id: a.id }}
                  label="Delete forever now"
                  testId="action-purge"
                  announce
                  ariaLabel={`Delete ${a.title} forever`}
                  confirm={`Delete "${a.title}" for good? This cannot be undone.`}
                  variant="danger"
                />
              </div>
            </li>
          ))}
        </ul>
      )}
      <KeysetPager page={page} base={`/o/${slug}/actions/trash`} label="Pages of the trash" testId="trash-pages" />
    </Card>
  );
}
