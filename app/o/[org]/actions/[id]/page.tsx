import Link from "next/link";
import { notFound } from "next/navigation";
import { KeysetPager, pageLabels } from "@/app/_components/keyset-pager";
import { Card, dividedListClass, mutedTextClass } from "@/app/_components/ui";
import type { ContactAddress } from "@/db/schema/workspace";
import { loadCampaignActionPage, type CampaignActionFormChoices, type ManagerCampaignActionView, type VolunteerCampaignActionView } from "@/lib/campaign-actions/queries";
import { campaignActionViewer } from "@/lib/campaign-actions/viewer";
import { keysetPositionFrom } from "@/lib/pagination/keyset";
import type { OrgAccess } from "@/lib/tenancy/access";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { ActionFields } from "../action-fields";
import { trashCampaignActionAction, removeCampaignActionTargetAction, updateCampaignActionAction } from "../actions";
import { formatSpan } from "../format";
import { KindBadge } from "../kind-badge";
import { ActionButton } from "@/app/_components/action-button";

export const metadata = { title: "Action" };

const addressLine = (a: ContactAddress | null) => (a ? [a.line1, a.line2, a.city, a.region, a.postcode, a.country].filter(Boolean).join(", ") : "");

export default async function ActionPage({ params, searchParams }: { params: Promise<{ org: string; id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { org, id } = await params;
  // The targets' page: a malformed cursor reads as the first page (lib/pagination/keyset).
  const targets = keysetPositionFrom(await searchParams);
  const access = await requireOrgAccess(org, ["actions:read", "actions:read_assigned"]);
  const data = await access.run((tx) => loadCampaignActionPage(tx, campaignActionViewer(access), id, targets));
  if (!data) notFound();
  const { action, choices } = data;
  const slug = access.org.slug;
  return (
    <div className="flex max-w-3xl flex-col gap-6">
      <Card>
        <p className="mb-2 text-sm">
          <Link href={`/o/${slug}/actions`} className="underline">
            ← Actions
          </Link>
        </p>
        <h1 className="flex flex-wrap items-center gap-2 text-lg font-semibold">
          <KindBadge kind={action.kind} /> <span data-testid="action-title">{action.title}</span>
        </h1>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{formatSpan(action.startsAt, action.endsAt)}</p>
        <h2 className="mt-4 text-sm font-semibold">Instructions</h2>
        {action.instructions ? (
          <p className="mt-1 whitespace-pre-wrap text-sm" data-testid="action-instructions">
            {action.instructions}
          </p>
        ) : (
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">No instructions.</p>
        )}
      </Card>
      {action.view === "volunteer" ? <VolunteerTargets action={action} slug={slug} /> : <ManagerSections action={action} choices={choices} access={access} />}
    </div>
  );
}

function VolunteerTargets({ action, slug }: { action: VolunteerCampaignActionView; slug: string }) {
  return (
    <Card>
      <h2 className="mb-3 text-lg font-semibold">Your contacts for this action</h2>
      {action.targets.length === 0 ? (
        <p className={mutedTextClass}>None of this action&apos;s contacts are assigned to you yet. Ask your campaign&apos;s admins if you expected some.</p>
      ) : (
        <ul className={dividedListClass} data-testid="target-list">
          {action.targets.map((c) => (
            <li key={c.contactId} className="flex flex-wrap items-start justify-between gap-3 py-3" data-testid="target-row">
              <div className="text-sm">
                <p className="font-medium">{c.name}</p>
                {c.phone && (
                  <p>
                    <a href={`tel:${c.phone}`} className="underline">
                      {c.phone}
                    </a>
                  </p>
                )}
                {c.email && (
                  <p>
                    <a href={`mailto:${c.email}`} className="underline">
                      {c.email}
                    </a>
                  </p>
                )}
                {c.address && <p>{addressLine(c.address)}</p>}
              </div>
              <Link
                href={`/o/${slug}/contacts/${c.contactId}?action=${action.id}#report`}
                className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800"
                data-testid="file-report"
              >
                File report
              </Link>
            </li>
          ))}
        </ul>
      )}
      <KeysetPager page={action.targetPage} base={`/o/${slug}/actions/${action.id}`} labels={pageLabels} label="Pages of your contacts for this action" testId="target-pages" />
    </Card>
  );
}

function ManagerSections({ action, choices, access }: { action: ManagerCampaignActionView; choices: CampaignActionFormChoices | null; access: OrgAccess }) {
  const slug = access.org.slug;
  const writer = access.can("actions:write");
  return (
    <>
      <Card>
        <h2 className="mb-3 text-lg font-semibold">Assigned to</h2>
        {action.assignees.length === 0 ? (
          <p className={mutedTextClass}>Nobody yet{writer ? ": tick members in the form below." : "."}</p>
        ) : (
          <ul className="flex flex-wrap gap-2 text-sm" data-testid="assignee-list">
            {action.assignees.map((a) => (
              <li key={a.userId} className="rounded bg-slate-100 px-2 py-1 dark:bg-slate-800">
                {a.name}
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card>
        <h2 className="mb-3 text-lg font-semibold">Contacts to reach ({action.targetCount})</h2>
        {action.targetCount === 0 ? (
          <p className={mutedTextClass}>No contacts yet{writer ? ": add everyone on a list or with a tag in the form below." : "."}</p>
        ) : (
          <>
            <ul className={dividedListClass} data-testid="target-list">
              {action.targets.map((c) => (
                <li key={c.contactId} className="flex items-center justify-between gap-3 py-2 text-sm" data-testid="target-row">
                  <Link href={`/o/${slug}/contacts/${c.contactId}`} className="underline-offset-2 hover:underline">
                    {c.name}
                  </Link>
                  {writer && (
                    <ActionButton action={removeCampaignActionTargetAction} hidden={{ org: slug, id: action.id, contactId: c.contactId }} label="Remove" ariaLabel={`Remove ${c.name} from this action`} />
                  )}
                </li>
              ))}
            </ul>
            {action.targetCount > action.targets.length && (
              <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
                Showing {action.targets.length} of {action.targetCount}.
              </p>
            )}
            <KeysetPager page={action.targetPage} base={`/o/${slug}/actions/${action.id}`} labels={pageLabels} label="Pages of contacts to reach" testId="target-pages" />
          </>
        )}
      </Card>
      {choices && (
        <Card>
          <h2 className="mb-4 text-lg font-semibold">Edit</h2>
          <ActionFields
            action={updateCampaignActionAction}
            org={slug}
            id={action.id}
            choices={choices}
            initial={{
              kind: action.kind,
              title: action.title,
              instructions: action.instructions ?? "",
              startsAt: action.startsAt,
              endsAt: action.endsAt,
              assignees: action.assignees.map((a) => a.userId),
            }}
            submitLabel="Save changes"
          />
          <div className="mt-6 border-t border-slate-200 pt-4 dark:border-slate-800">
            <p className="mb-2 text-sm text-slate-600 dark:text-slate-400">
              Moving it to the trash takes it away from everyone at once; it can be restored for {access.org.settings.trashRetentionDays} days.
            </p>
            <ActionButton action={trashCampaignActionAction} hidden={{ org: slug, id: action.id }} label="Move to trash" testId="action-delete" variant="danger" />
          </div>
        </Card>
      )}
    </>
  );
}
