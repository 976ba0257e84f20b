import Link from "next/link";
import { Card, mutedTextClass, primaryButtonClass } from "@/app/_components/ui";
import { KeysetPager } from "@/app/_components/keyset-pager";
import { listImports } from "@/lib/imports/service";
import { keysetPositionFrom } from "@/lib/pagination/keyset";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { duration, statusLabels, when } from "./format";

export const metadata = { title: "Imports" };

export default async function ImportsPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "imports:manage");
  // A malformed cursor reads as the newest page (lib/pagination/keyset).
  const position = keysetPositionFrom(await searchParams);
  const page = await access.run((tx) => listImports(tx, access.org.id, { position }));
  const history = page.rows;
  const base = `/o/${access.org.slug}/imports`;
  const { importUploadMinutes, importResultDays, importHistoryDays } = access.org.settings;
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Imports</h1>
          <p className="mt-1 max-w-2xl text-sm text-slate-600 dark:text-slate-400">
            Bring in the lists you already have from CSV or Excel. Uploads are encrypted as they arrive and deleted when the import ends, at the latest after {importUploadMinutes} minutes;
            result files are kept {importResultDays === 0 ? "not at all" : `${importResultDays} days`}; this history is kept {importHistoryDays} days.
          </p>
        </div>
        <Link href={`${base}/new`} className={primaryButtonClass}>
          New import
        </Link>
      </div>
      <Card>
        {history.length === 0 ? (
          position ? (
            <p>
              No imports on this page.{" "}
              <Link href={base} className="underline">
                Go to the newest imports
              </Link>
            </p>
          ) : (
            <p>No imports yet. Choose “New import” to upload a CSV or .xlsx file of contacts.</p>
          )
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="import-history">
              <caption className="sr-only">Import history, newest first</caption>
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th scope="col" className="py-2 pr-4">File</th>
                  <th scope="col" className="py-2 pr-4">By</th>
                  <th scope="col" className="py-2 pr-4">When</th>
                  <th scope="col" className="py-2 pr-4">Status</th>
                  <th scope="col" className="py-2 pr-4 text-right">Created</th>
                  <th scope="col" className="py-2 pr-4 text-right">Updated</th>
                  <th scope="col" className="py-2 pr-4 text-right">Skipped</th>
                  <th scope="col" className="py-2 pr-4 text-right">Refused</th>
                  <th scope="col" className="py-2">Duration</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                {history.map((i) => (
                  <tr key={i.id} data-testid="import-row">
                    <td className="py-2 pr-4">
                      <Link href={`${base}/${i.id}`} className="font-medium underline-offset-2 hover:underline">
                        {i.fileName}
                      </Link>
                    </td>
                    <td className="py-2 pr-4">{i.createdByName ?? "a former member"}</td>
                    <td className="py-2 pr-4 whitespace-nowrap">{when(i.createdAt)}</td>
                    <td className="py-2 pr-4">{statusLabels[i.status]}</td>
                    <td className="py-2 pr-4 text-right tabular-nums">{i.created.toLocaleString("en-US")}</td>
                    <td className="py-2 pr-4 text-right tabular-nums">{i.updated.toLocaleString("en-US")}</td>
                    <td className="py-2 pr-4 text-right tabular-nums">{i.skipped.toLocaleString("en-US")}</td>
                    <td className="py-2 pr-4 text-right tabular-nums">{i.failed.toLocaleString("en-US")}</td>
                    <td className="py-2">{duration(i.startedAt, i.finishedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <KeysetPager page={page} base={base} label="Pages of the import history" testId="import-pages" />
      </Card>
      <p className={mutedTextClass}>Only owners and admins see imports. Row errors name the row, the column and the reason, never the value.</p>
    </div>
  );
}
