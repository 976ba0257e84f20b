import Link from "next/link";
import { notFound } from "next/navigation";
import { InlineForm } from "@/app/o/[org]/contacts/inline-form";
import { Card, mutedTextClass } from "@/app/_components/ui";
import { getConfig } from "@/lib/config";
import { NotFoundError } from "@/lib/errors";
import { encodingLabels } from "@/lib/imports/read";
import { importLimits } from "@/lib/imports/limits";
import { suggestMapping } from "@/lib/imports/mapping";
import { getImport, importProblems, importProgress, listChoices, previewImport } from "@/lib/imports/service";
import { getServices } from "@/lib/services";
import { createBlobStore } from "@/lib/storage";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { isUuid } from "@/lib/validation/ids";
import { cancelImportAction, rollbackImportAction, startImportAction } from "../actions";
import { duration, statusLabels, when } from "../format";
import { ImportProgressBar } from "./import-progress";
import { MappingForm } from "./mapping-form";

export const metadata = { title: "Import" };

export default async function ImportPage({ params }: { params: Promise<{ org: string; id: string }> }) {
  const { org, id } = await params;
  const access = await requireOrgAccess(org, "imports:manage");
  if (!isUuid(id)) notFound();
  const data = await access
    .run(async (tx) => ({
      imp: await getImport(tx, access.org.id, id),
      progress: await importProgress(tx, access.org.id, id),
      problems: await importProblems(tx, access.org.id, id),
      lists: await listChoices(tx, access.org.id),
    }))
    .catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
  if (!data) notFound();
  const { imp, progress, problems, lists } = data;
  const slug = access.org.slug;
  const who = { orgId: access.org.id, userId: access.userId };
  const mapping = imp.status === "uploaded" && imp.uploadFileId !== null;
  const preview = mapping ? await previewImport((await getServices()).db, createBlobStore(getConfig().blob), who, id, importLimits()) : [];
  // A refusal names the contact field; the page shows the file's own header for it (decrypted here, like the file name).
  const columnName = (field: string | null) => {
    if (!field) return "—";
    const column = Object.entries(imp.mapping ?? {}).find(([, f]) => f === field || (field === "name" && (f === "first_name" || f === "last_name")))?.[0];
    const header = column === undefined ? undefined : imp.headers[Number(column)];
    return header ? `${header} (${field})` : field;
  };
  return (
    <div className="flex flex-col gap-6">
      <div>
        <p className="mb-2 text-sm">
          <Link href={`/o/${slug}/imports`} className="underline">
            ← Imports
          </Link>
        </p>
        <h1 className="text-2xl font-bold tracking-tight">{imp.fileName}</h1>
        <p className={mutedTextClass}>
          {statusLabels[imp.status]} · {imp.totalRows.toLocaleString("en-US")} rows · read as {encodingLabels[imp.encoding as keyof typeof encodingLabels] ?? imp.encoding}
          {imp.delimiter && ` · columns separated by ${imp.delimiter === "\t" ? "tabs" : `“${imp.delimiter}”`}`} · uploaded by {imp.createdByName ?? "a former member"} on {when(imp.createdAt)}
        </p>
        <p className={mutedTextClass}>
          {imp.uploadDeletedAt ? `Uploaded file deleted ${when(imp.uploadDeletedAt)}.` : imp.uploadFileId ? `Uploaded file (encrypted) deleted at the latest ${when(imp.uploadExpiresAt)}.` : ""}
        </p>
      </div>

      {mapping && (
        <Card>
          <h2 className="mb-1 text-lg font-semibold">Step 2 of 2: map the columns</h2>
          <p className={`${mutedTextClass} mb-4`}>Nothing has been written to your contacts yet. Check the suggested fields, choose what happens to duplicates, then start the import.</p>
          <MappingForm action={startImportAction} org={slug} id={id} headers={imp.headers} suggested={suggestMapping(imp.headers)} preview={preview} lists={lists} />
          <div className="mt-4">
            <InlineForm action={cancelImportAction} hidden={{ org: slug, id }} submitLabel="Discard this upload" danger />
          </div>
        </Card>
      )}
      {imp.status === "uploaded" && !imp.uploadFileId && <Card>The uploaded file was deleted before the import started (uploads are kept for a limited time). Upload it again.</Card>}

      {!mapping && (
        <Card>
          <h2 className="mb-3 text-lg font-semibold">Progress</h2>
          <ImportProgressBar org={slug} id={id} initial={progress} />
          <dl className="mt-4 grid grid-cols-2 gap-2 text-sm sm:grid-cols-5">
            {(
              [
                ["Created", imp.created],
                ["Updated", imp.updated],
                ["Skipped", imp.skipped],
                ["Refused", imp.failed],
              ] as const
            ).map(([label, n]) => (
              <div key={label}>
                <dt className="text-slate-500">{label}</dt>
                <dd className="text-lg font-semibold tabular-nums">{n.toLocaleString("en-US")}</dd>
              </div>
            ))}
            <div>
              <dt className="text-slate-500">Duration</dt>
              <dd className="text-lg font-semibold">{duration(imp.startedAt, imp.finishedAt)}</dd>
            </div>
          </dl>
          <div className="mt-4 flex flex-wrap items-start gap-4">
            {(imp.status === "queued" || imp.status === "running") && <InlineForm action={cancelImportAction} hidden={{ org: slug, id }} submitLabel="Cancel import" danger />}
            {progress.hasResultFile && (
              <a href={`/api/o/${slug}/imports/${id}/result`} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800" download>
                Download result file (CSV)
              </a>
            )}
            {(imp.status === "succeeded" || imp.status === "cancelled") && imp.created + imp.updated > 0 && (
              <InlineForm action={rollbackImportAction} hidden={{ org: slug, id }} submitLabel="Roll back this import" danger />
            )}
          </div>
          {imp.status === "rolled_back" && (
            <p className="mt-3 text-sm">
              Rolled back {imp.rolledBackAt ? when(imp.rolledBackAt) : ""}: {imp.rollbackDone.toLocaleString("en-US")} contacts restored or deleted
              {imp.rollbackKept > 0 && `; ${imp.rollbackKept.toLocaleString("en-US")} edited since the import were left as they are (listed below)`}.
            </p>
          )}
        </Card>
      )}

      {problems.length > 0 && (
        <Card>
          <h2 className="mb-3 text-lg font-semibold">Rows to look at</h2>
          <table className="text-left text-sm" data-testid="import-problems">
            <caption className="sr-only">Refused rows and contacts the rollback left alone: row number, column and reason, never the value</caption>
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="py-1 pr-4">Row</th>
                <th scope="col" className="py-1 pr-4">Column</th>
                <th scope="col" className="py-1">Reason</th>
              </tr>
            </thead>
            <tbody>
              {problems.map((p) => (
                <tr key={p.rowNumber} className="border-t border-slate-100 dark:border-slate-800">
                  <td className="py-1 pr-4 tabular-nums">{p.rowNumber}</td>
                  <td className="py-1 pr-4">{p.kept ? "—" : columnName(p.errorColumn)}</td>
                  <td className="py-1">{p.kept ? "Edited after the import: the rollback left this contact as it is." : p.errorReason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </div>
  );
}
