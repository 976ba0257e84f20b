import { Card, PageHeading, dividedListClass, mutedTextClass } from "@/app/_components/ui";
import { daysOverdue, listCampaignDeletionRequests, type QueuedDeletionRequest } from "@/lib/privacy/deletion-requests";
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

export default async function DeletionRequestsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "deletion_requests:manage");
  const requests = await access.run((tx) => listCampaignDeletionRequests(tx, access.org.id));
  const now = new Date();
  const slug = access.org.slug;
  return (
    <div className="flex flex-col gap-6">
      <PageHeading
        title="Deletion requests"
        lead="People with a Rampart account can ask this campaign to delete what it holds on them. A request is matched by a keyed fingerprint of their verified email, so you see that a person with an account asked, never who. Deleting removes every matching contact, including ones your volunteers synced that you cannot see."
      />
      <Card>
        {requests.length === 0 ? (
          <p data-testid="deletion-requests-empty">
            No deletion requests. When someone asks Rampart to delete their data, the request appears here with a due date (30 days).
          </p>
        ) : (
          <ul className={dividedListClass}>
            {requests.map((r) => {
              const overdue = r.status === "pending" && daysOverdue(r.dueAt, now) > 0;
              return (
                <li
                  key={r.id}
                  data-testid="deletion-request-row"
                  data-status={r.status}
                  className={`flex flex-col gap-2 py-3 ${overdue ? "-mx-2 rounded-md bg-red-50 px-2 dark:bg-red-950" : ""}`}
                >
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
        )}
      </Card>
    </div>
  );
}
