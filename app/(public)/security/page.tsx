import Link from "next/link";
import { getServices } from "@/lib/services";
import { getConfig } from "@/lib/config";
import { policyTitles } from "@/lib/policies/registry";
import { describeDeployment, loadSecurityRecord } from "@/lib/trust";
import { getCurrentSession } from "@/lib/auth/current";
import { importRetentionForPerson } from "@/lib/imports/retention";
import { Card, PageHeading } from "@/app/_components/ui";

export const metadata = { title: "Security" };
export const dynamic = "force-dynamic";

/** The date of the last verified restore; null until the backup job records one. */
function RestoreTestFact({ lastRestoreTest }: { lastRestoreTest: Date | null }) {
  return (
    <Card>
      <h2 className="text-sm font-semibold uppercase tracking-wide text-brand-700 dark:text-brand-100">Restore tests</h2>
      <p className="mt-2 font-medium" data-testid="restore-test">
        {lastRestoreTest ? `Last backup restored and verified on ${lastRestoreTest.toISOString().slice(0, 10)}.` : "No restore test recorded yet."}
      </p>
    </Card>
  );
}

export default async function SecurityPage() {
  const facts = describeDeployment(getConfig());
  const { db } = await getServices();
  const record = await loadSecurityRecord(db);
  const session = await getCurrentSession();
  const retention = session ? await importRetentionForPerson(db, session.user.id) : [];
  return (
    <div className="flex flex-col gap-6">
      <PageHeading
        title="Security at Rampart"
        lead="Every statement on this page is generated from the configuration this server is running with right now."
      />
      <div className="grid gap-4 md:grid-cols-2">
        {facts.map((f) => (
          <Card key={f.topic}>
            <h2 className="text-sm font-semibold uppercase tracking-wide text-brand-700 dark:text-brand-100">{f.topic}</h2>
            <p className="mt-2 font-medium">{f.statement}</p>
            <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">{f.detail}</p>
          </Card>
        ))}
        <Card>
          <h2 className="text-sm font-semibold uppercase tracking-wide text-brand-700 dark:text-brand-100">Incidents</h2>
          <p className="mt-2 font-medium" data-testid="resolved-incidents">
            {record.resolvedIncidentsLastYear === 0
              ? "No security incidents resolved in the last 12 months."
              : `${record.resolvedIncidentsLastYear} security incident${record.resolvedIncidentsLastYear === 1 ? "" : "s"} resolved in the last 12 months.`}
          </p>
          <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">Owners of an affected campaign are told in the app and by mail, and every step appears in their activity feed.</p>
        </Card>
        <RestoreTestFact lastRestoreTest={record.lastRestoreTest} />
      </div>
      {retention.length > 0 && (
        <Card>
          <h2 className="mb-1 text-lg font-semibold">Imports in your campaigns</h2>
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
            Uploaded CSV and Excel files are encrypted as they arrive and deleted when their import ends; each campaign sets how long anything is kept, within these limits.
          </p>
          <table className="w-full text-left text-sm" data-testid="import-retention">
            <caption className="sr-only">Import retention set by each campaign you belong to</caption>
            <thead>
              <tr className="border-b border-slate-200 dark:border-slate-700">
                <th scope="col" className="py-2 pr-4">Campaign</th>
                <th scope="col" className="py-2 pr-4">Uploaded files deleted after at most</th>
                <th scope="col" className="py-2 pr-4">Result files kept</th>
                <th scope="col" className="py-2">Import history kept</th>
              </tr>
            </thead>
            <tbody>
              {retention.map((r) => (
                <tr key={r.slug} className="border-b border-slate-100 dark:border-slate-800">
                  <td className="py-2 pr-4">{r.name}</td>
                  <td className="py-2 pr-4">{r.uploadMinutes} minutes</td>
                  <td className="py-2 pr-4">{r.resultDays === 0 ? "none kept" : `${r.resultDays} days`}</td>
                  <td className="py-2">{r.historyDays} days</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      <Card>
        <h2 className="mb-3 text-lg font-semibold">Policy changes</h2>
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Published versions of Rampart&apos;s policies, newest first</caption>
          <thead>
            <tr className="border-b border-slate-200 dark:border-slate-700">
              <th scope="col" className="py-2 pr-4">Date</th>
              <th scope="col" className="py-2 pr-4">Policy</th>
              <th scope="col" className="py-2">What changed</th>
            </tr>
          </thead>
          <tbody>
            {record.policyChanges.map((c) => (
              <tr key={`${c.document}-${c.version}`} className="border-b border-slate-100 align-top dark:border-slate-800">
                <td className="py-2 pr-4 whitespace-nowrap">{c.version}</td>
                <td className="py-2 pr-4">
                  <Link href={`/policies/${c.document}`} className="underline">
                    {policyTitles[c.document]}
                  </Link>
                </td>
                <td className="py-2">{c.summary}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
