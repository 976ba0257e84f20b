import Link from "next/link";
import { Card, PageHeading, dividedListClass, mutedTextClass } from "@/app/_components/ui";
import { KeysetPager, keysetCursorsOf, pageLabels } from "@/app/_components/keyset-pager";
import { keysetPositionFrom } from "@/lib/pagination/keyset";
import { loadReportsPage, reportViewer, type ReportListItem, type ReportPage } from "@/lib/reports/reports";
import { outcomeLabels } from "@/lib/reports/survey";
import { requireOrgAccess } from "@/lib/tenancy/guards";

export const metadata = { title: "Reports" };

const day = (d: Date) => d.toISOString().slice(0, 10);

function ContactLink({ base, report }: { base: string; report: ReportListItem }) {
  if (report.contactName === null) return <span className="text-slate-500">a contact you no longer see</span>;
  return (
    <Link href={`${base}/contacts/${report.contactId}#report`} className="font-medium underline">
      {report.contactName}
    </Link>
  );
}

function MyReports({ base, page, testId = "my-reports" }: { base: string; page: ReportPage; testId?: string }) {
  return (
    <ul className={dividedListClass} data-testid={testId}>
      {page.items.map((r) => (
        <li key={r.id} className="flex flex-wrap items-baseline justify-between gap-2 py-3" data-testid="report-row" data-status={r.completedAt ? "completed" : "draft"}>
          <p>
            <ContactLink base={base} report={r} /> · {outcomeLabels[r.outcome]}
          </p>
          <p className={mutedTextClass}>
            {r.completedAt ? (
              <>Completed {day(r.completedAt)}</>
            ) : (
              <>
                <span className="rounded bg-amber-100 px-1.5 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100">Draft</span> saved {day(r.updatedAt)}
                {r.contactName !== null && (
                  <>
                    {" · "}
                    <Link href={`${base}/contacts/${r.contactId}#report`} className="font-medium text-slate-900 underline dark:text-slate-100" data-testid="report-continue">
                      Continue
                    </Link>
                  </>
                )}
              </>
            )}
          </p>
        </li>
      ))}
    </ul>
  );
}

/** The page's query parameters. */
type SearchParams = Record<string, string | string[] | undefined>;

/** The person's own drafts, with their own pager (drafts_after, drafts_before, drafts_last). */
function Drafts({ base, page, keep }: { base: string; page: ReportPage; keep: Record<string, string> }) {
  return (
    <Card>
      <h2 className="mb-2 text-lg font-semibold">Your drafts</h2>
      <MyReports base={base} page={page} testId="my-drafts" />
      <KeysetPager page={page} base={`${base}/reports`} keep={keep} prefix="drafts_" labels={pageLabels} label="Pages of your drafts" testId="drafts-pages" />
    </Card>
  );
}

export default async function ReportsPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<SearchParams> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, ["reports:read", "reports:file"]);
  const sp = await searchParams;
  // Malformed cursors read as the first page (lib/pagination/keyset); the old ?page=N links land there too.
  const at = { completed: keysetPositionFrom(sp), drafts: keysetPositionFrom(sp, "drafts_") };
  const keep = keysetCursorsOf(sp, ["", "drafts_"]);
  const base = `/o/${access.org.slug}`;
  const data = await access.run((tx) => loadReportsPage(tx, reportViewer(access), at));
  const pager = (page: ReportPage, label: string) => <KeysetPager page={page} base={`${base}/reports`} keep={keep} labels={pageLabels} label={label} testId="report-pages" />;
  const paged = at.completed !== null;

  if (data.view === "mine") {
    const { drafts, completed } = data;
    const none = drafts.items.length === 0 && completed.items.length === 0 && !paged && at.drafts === null;
    return (
      <div className="flex flex-col gap-6">
        <PageHeading title="My reports" lead="What you recorded after reaching out. Drafts are yours alone until you complete them; completed reports are final and go to the campaign's admins." />
        {none ? (
          <Card>
            <p className={mutedTextClass} data-testid="reports-empty">
              You have not filed a report yet. Open one of your contacts, reach out, then record what happened in its Outreach reports section.{" "}
              <Link href={`${base}/contacts`} className="underline">
                Go to your contacts
              </Link>
            </p>
          </Card>
        ) : (
          <>
            {(drafts.items.length > 0 || drafts.prevCursor) && <Drafts base={base} page={drafts} keep={keep} />}
            <Card>
              <h2 className="mb-2 text-lg font-semibold">Completed</h2>
              {completed.items.length === 0 ? (
                <p className={mutedTextClass} data-testid="reports-empty">
                  {paged ? "No more reports." : "None completed yet: complete a draft to send it to the campaign's admins."}
                </p>
              ) : (
                <MyReports base={base} page={completed} />
              )}
              {pager(completed, "Pages of your completed reports")}
            </Card>
          </>
        )}
      </div>
    );
  }

  const { completed, thisWeek, drafts } = data;
  return (
    <div className="flex flex-col gap-6">
      <PageHeading title="Reports" lead="Completed outreach reports from everyone in the campaign, newest first. Drafts stay with the person writing them until they complete them." />
      <p className="text-sm" data-testid="reports-this-week">
        <span className="text-2xl font-bold">{thisWeek}</span> {thisWeek === 1 ? "report" : "reports"} completed in the last 7 days
      </p>
      {drafts && (drafts.items.length > 0 || drafts.prevCursor) && <Drafts base={base} page={drafts} keep={keep} />}
      <Card>
        <h2 className="mb-2 text-lg font-semibold">Completed reports</h2>
        {completed.items.length === 0 ? (
          <p className={mutedTextClass} data-testid="reports-empty">
            {paged ? "No more reports." : "No completed reports yet. Give volunteers an action with contacts to reach; their reports appear here when they complete them."}{" "}
            <Link href={`${base}/actions`} className="underline">
              Go to actions
            </Link>
          </p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="completed-reports">
              <thead className="text-slate-600 dark:text-slate-400">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    Completed
                  </th>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    Contact
                  </th>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    Outcome
                  </th>
                  <th scope="col" className="py-2 pr-4 font-medium">
                    Filed by
                  </th>
                </tr>
              </thead>
              <tbody className={dividedListClass}>
                {completed.items.map((r) => (
                  <tr key={r.id} data-testid="report-row" data-status="completed">
                    <td className="py-2 pr-4 whitespace-nowrap">{day(r.completedAt!)}</td>
                    <td className="py-2 pr-4">
                      <ContactLink base={base} report={r} />
                    </td>
                    <td className="py-2 pr-4">{outcomeLabels[r.outcome]}</td>
                    <td className="py-2 pr-4">{r.mine ? "you" : (r.filerName ?? "a former member")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {pager(completed, "Pages of completed reports")}
      </Card>
    </div>
  );
}
