import Link from "next/link";
import { Card, PageHeading } from "@/app/_components/ui";
import { mySyncedCount, SYNC_CSV_COLUMNS } from "@/lib/contacts/sync";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { syncCsvAction, syncOneAction } from "./actions";
import { SyncCsvForm, SyncOneForm } from "./sync-forms";

export const metadata = { title: "Sync your contacts" };

export default async function SyncContactsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "contacts:sync");
  const synced = await access.run((tx) => mySyncedCount(tx, { orgId: access.org.id, userId: access.userId }));
  const slug = access.org.slug;
  return (
    <div className="flex flex-col gap-6">
      <PageHeading
        title="Sync your own contacts"
        lead="Add people you know — friends, family, neighbours — so you can reach out to them for the campaign and report how it went."
      />
      <Card>
        <h2 className="mb-2 text-lg font-semibold">What syncing means</h2>
        <ul className="list-disc space-y-1 pl-5 text-sm text-slate-700 dark:text-slate-300">
          <li>
            These contacts are yours: admins see how many you added, not who, until you complete a report on one. You can delete them any time from{" "}
            <Link href="/settings/privacy" className="underline">
              Settings → Privacy
            </Link>
            .
          </li>
          <li>Each contact is encrypted before it is stored. Your notes are seen only by you.</li>
          <li>We keep the contacts, not the file: an uploaded file is read in memory and thrown away.</li>
          <li>Someone whose email you already synced to this campaign is skipped, so uploading the same file twice adds nothing.</li>
        </ul>
        <p className="mt-4 text-sm font-medium" data-testid="sync-count">
          You have synced {synced === 1 ? "1 contact" : `${synced.toLocaleString("en")} contacts`} to this campaign.
          {synced > 0 && (
            <>
              {" "}
              <Link href={`/o/${slug}/contacts`} className="font-normal underline">
                See them in Contacts
              </Link>
            </>
          )}
        </p>
      </Card>
      <Card>
        <h2 className="mb-4 text-lg font-semibold">Add one contact</h2>
        <SyncOneForm action={syncOneAction} org={slug} />
      </Card>
      <Card>
        <h2 className="mb-2 text-lg font-semibold">Upload a CSV file</h2>
        <p className="mb-4 text-sm text-slate-600 dark:text-slate-400">
          Export your address book as CSV. The first row must name the columns; use any of: {SYNC_CSV_COLUMNS.join(", ")}. Only name is required. If any row has a
          problem, nothing is added and we list the rows to fix.
        </p>
        <SyncCsvForm action={syncCsvAction} org={slug} />
      </Card>
    </div>
  );
}
