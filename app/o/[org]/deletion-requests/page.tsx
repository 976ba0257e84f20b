import { KeysetPager, keysetCursorsOf, pageLabels } from "@/app/_components/keyset-pager";
import { Card, PageHeading, dividedListClass, mutedTextClass } from "@/app/_components/ui";
import { daysOverdue, listCampaignDeletionRequests, type QueuedDeletionRequest } from "@/lib/privacy/deletion-requests";
import { keysetPositionFrom } from "@/lib/pagination/keyset";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { declineDeletionRequestAction, fulfilDeletionRequestAction } from "./actions";
import { DeclineForm, FulfilForm } from "./request-forms";

export const metadata = { title: "Deletion requests" };

const day = (d: Date) => d.toISOString().slice(0, 10);

/** What the admin picks; the requester reads the longer wording from lib/privacy. */
const reasons = [
  { value: "not_found", label: "We hold no data on them" },
  { value: "legal_obligation", label: "We must keep it by law" },
  { value: "duplicate", label: "Duplicate of another request" },
  { value: "other", label: "Other reason" },
];
const reasonLabel = (r: string | null) => reasons.find((x) => x.value === r)?.label ?? "Other reason";

function Status({ r, now }: { r: QueuedDeletionRequest; now: Date }) {
  if (r.status === "completed") return <>Completed {r.decidedAt && day(r.decidedAt)}: {r.contactsDeleted ?? 0} contact{r.contactsDeleted === 1 ? "" : "s"} deleted</>;
  if (r.status === "declined") return <>Declined {r.decidedAt && day(r.decidedAt)}: {reasonLabel(r.declineReason)}</>;
  const overdue = daysOverdue(r.dueAt, now);
  if (overdue > 0) return <span className="font-semibold text-red-700 dark:text-red-400">Pending · Overdue by {overdue} day{overdue === 1 ? "" : "s"}</span>;
  const left = Math.ceil((r.dueAt.getTime() - now.getTime()) / 86_400_000);
  return <>Pending · {left} day{left === 1 ? "" : "s"} left</>;
}

function RequestList({ requests, now, slug }: { requests: QueuedDeletionRequest[]; now: Date; slug: string }) {
  return (
    <ul className={dividedListClass}>
      {requests.map((r) => {
        const overdue = r.status === "pending" && daysOverdue(r.dueAt, now) > 0;
        return (
          <li key={r.id} data-testid="deletion-request-row" data-status={r.status} className={`flex flex-col gap-2 py-3 ${overdue ? "-mx-2 rounded-md bg-red-50 px-2 dark:bg-red-950" : ""}`}>
            <p className="font-medium">A person with an account asked for deletion</p>
            <p className={mutedTextClass}>
              Received {day(r.createdAt)} · due {day(r.dueAt)} · <Status r={r} now={now} />
            </p>
            {r.status === "pending" && (
              <>
                <p className="text-sm">Matching contacts you can see: {r.matchingVisible}</p>
                <div className="flex flex-wrap items-center gap-4">
                  <FulfilForm action={fulfilDeletionRequestAction} org={slug} requestId={r.id} />
                  <DeclineForm action={declineDeletionRequestAction} org={slug} requestId={r.id} reasons={reasons} />
                </div>
              </>
            )}
          </li>
        );
      })}
    </ul>
  );
}

type SearchParams = Record<string, string | string[] | undefined>;

export default async function DeletionRequestsPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<SearchParams> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "deletion_requests:manage");
  const sp = await searchParams;
  // Two lists, each with its own cursor; a malformed one reads as that list's first page (lib/pagination/keyset).
  const at = { pending: keysetPositionFrom(sp, "pending_"), decided: keysetPositionFrom(sp) };
  const { pending, decided } = await access.run((tx) => listCampaignDeletionRequests(tx, access.org.id, at));
  const keep = keysetCursorsOf(sp, ["", "pending_"]);
  const now = new Date();
  const slug = access.org.slug;
  const base = `/o/${slug}/deletion-requests`;
  const none = pending.rows.length === 0 && decided.rows.length === 0 && !at.pending && !at.decided;
  return (
    <div className="flex flex-col gap-6">
      <PageHeading
        title="Deletion requests"
        lead="People with a Rampart account can ask this campaign to delete what it holds on them. A request is matched by a keyed fingerprint of their verified email, so you see that a person with an account asked, never who. Deleting removes every matching contact, including ones your volunteers synced that you cannot see."
      />
      {none ? (
        <Card>
          <p data-testid="deletion-requests-empty">
            No deletion requests. When someone asks Rampart to delete their data, the request appears here with a due date (30 days).
          </p>
        </Card>
      ) : (
        <>
          <Card>
            <h2 className="mb-2 text-lg font-semibold">Pending, the soonest due first</h2>
            {pending.rows.length === 0 ? <p className={mutedTextClass}>{at.pending ? "No more pending requests." : "No pending requests."}</p> : <RequestList requests={pending.rows} now={now} slug={slug} />}
            <KeysetPager page={pending} base={base} keep={keep} prefix="pending_" labels={pageLabels} label="Pages of pending requests" testId="pending-pages" />
          </Card>
          <Card>
            <h2 className="mb-2 text-lg font-semibold">Decided, the newest request first</h2>
            {decided.rows.length === 0 ? <p className={mutedTextClass}>{at.decided ? "No more decided requests." : "None decided yet."}</p> : <RequestList requests={decided.rows} now={now} slug={slug} />}
            <KeysetPager page={decided} base={base} keep={keep} label="Pages of decided requests" testId="decided-pages" />
          </Card>
        </>
      )}
    </div>
  );
}
