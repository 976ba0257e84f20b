import { ActionForm } from "@/app/_components/forms";
import { Card, PageHeading, dividedListClass } from "@/app/_components/ui";
import { CookieSettingsButton } from "@/app/_components/consent";
import { requireSession } from "@/lib/auth/current";
import { getServices } from "@/lib/services";
import { describeOwnRequestStatus, listOwnDeletionRequests } from "@/lib/privacy/deletion-requests";
import { describeReceipt, listReceipts } from "@/lib/privacy/receipts";
import { listSyncedContactCounts } from "@/lib/privacy/synced";
import { deleteAccountAction, deleteSyncedContactsAction, requestDeletionAction } from "./actions";
import { ConfirmDeleteForm, SubmitForm } from "./privacy-forms";

export const metadata = { title: "Privacy" };

const day = (d: Date) => d.toISOString().slice(0, 10);

export default async function PrivacySettingsPage() {
  const session = await requireSession("/settings/privacy");
  const { db } = await getServices();
  const userId = session.user.id;
  const [synced, requests, receipts] = await Promise.all([listSyncedContactCounts(db, userId), listOwnDeletionRequests(db, userId), listReceipts(db, userId)]);
  const totalSynced = synced.reduce((n, s) => n + s.count, 0);
  return (
    <div className="flex flex-col gap-6">
      <PageHeading
        title="Privacy"
        lead="Delete the contacts you synced, ask campaigns to delete what they hold on you, download everything we hold about you, and change your cookie choices."
      />

      <Card>
        <h2 className="mb-2 text-lg font-semibold">Contacts you synced</h2>
        <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">
          Contacts you added from your own address book stay yours. Deleting them removes them for real, with everything the campaign linked to them (lists,
          actions, reports); the campaign&apos;s activity log keeps only the number deleted.
        </p>
        {synced.length === 0 ? (
          <p className="text-sm" data-testid="synced-empty">
            You have not synced any contacts into a campaign. If you do, they are listed here, and you can delete them at any time.
          </p>
        ) : (
          <>
            <ul className={dividedListClass}>
              {synced.map((s) => (
                <li key={s.orgId} className="flex flex-col gap-2 py-3" data-testid="synced-campaign">
                  <p>
                    <span className="font-medium">{s.orgName}</span>: {s.count} contact{s.count === 1 ? "" : "s"} you synced
                  </p>
                  <ConfirmDeleteForm action={deleteSyncedContactsAction} scope={s.orgId} label={`Delete my synced contacts in ${s.orgName}`} testId="delete-synced-campaign" />
                </li>
              ))}
            </ul>
            {synced.length > 1 && (
              <div className="mt-4 border-t border-slate-200 pt-4 dark:border-slate-800">
                <p className="mb-2 text-sm">All campaigns: {totalSynced} contacts.</p>
                <ConfirmDeleteForm action={deleteSyncedContactsAction} scope="all" label="Delete all my synced contacts" testId="delete-synced-all" />
              </div>
            )}
          </>
        )}
      </Card>

      <Card>
        <h2 className="mb-2 text-lg font-semibold">Request deletion of my data</h2>
        <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">
          We send a request to every campaign on Rampart that holds a contact with your verified account email ({session.user.email}). The campaign&apos;s
          admins see only that a person with an account asked, never who; they have 30 days to act.
        </p>
        <SubmitForm action={requestDeletionAction} label="Request deletion of my data" testId="request-deletion" />
        {requests.length > 0 && (
          <>
            <h3 className="mt-6 mb-2 font-semibold">Your requests</h3>
            <ul className="divide-y divide-slate-200 text-sm dark:divide-slate-800">
              {requests.map((r) => (
                <li key={r.id} className="flex flex-wrap justify-between gap-2 py-2" data-testid="deletion-request">
                  <span className="font-medium">{r.orgName}</span>
                  <span data-testid="deletion-request-status">{describeOwnRequestStatus(r)}</span>
                  <span className="text-slate-600 dark:text-slate-400">
                    sent {day(r.createdAt)} · due {day(r.dueAt)}
                    {r.decidedAt && ` · decided ${day(r.decidedAt)}`}
                  </span>
                </li>
              ))}
            </ul>
          </>
        )}
      </Card>

      <Card>
        <h2 className="mb-2 text-lg font-semibold">Export my data</h2>
        <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">
          A JSON file with your account, campaigns, cookie choices, sign-in history, receipts, deletion requests and the contacts you synced (decrypted). It
          holds no passwords, secrets or other people&apos;s data.
        </p>
        <form method="post" action="/settings/privacy/export">
          <button
            type="submit"
            data-testid="export-data"
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800"
          >
            Download my data (JSON)
          </button>
        </form>
      </Card>

      <Card>
        <h2 className="mb-2 text-lg font-semibold">Your receipts</h2>
        {receipts.length === 0 ? (
          <p className="text-sm">No receipts yet. Each deletion, request or export you make here leaves one, for your records.</p>
        ) : (
          <ul className="flex flex-col gap-1 font-mono text-sm">
            {receipts.map((r) => (
              <li key={r.id} data-testid="privacy-receipt">
                {describeReceipt(r)}
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card>
        <h2 className="mb-2 text-lg font-semibold">Cookies</h2>
        <p className="mb-3 text-sm">Strictly necessary cookies keep you signed in. Preference cookies are used only if you allow them.</p>
        <CookieSettingsButton />
      </Card>

      <Card className="border-red-200 dark:border-red-900">
        <h2 className="mb-2 text-lg font-semibold">Delete my account</h2>
        <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">
          Your account, sessions, memberships, receipts and the contacts you synced are deleted at once and cannot be restored. Campaigns keep their own
          records (and their activity logs keep that you left, by id only). If you are the last owner of a campaign, make someone else an owner or delete the
          campaign first.
        </p>
        <div data-testid="delete-account" className="max-w-md">
          <ActionForm
            action={deleteAccountAction}
            fields={[{ name: "email", label: "Type your account email to confirm", type: "email", autoComplete: "off" }]}
            submitLabel="Delete my account"
            danger
          />
        </div>
      </Card>
    </div>
  );
}
