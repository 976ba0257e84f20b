import Link from "next/link";
import { Card, mutedTextClass } from "@/app/_components/ui";
import { importLimits } from "@/lib/imports/limits";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { UploadForm } from "./upload-form";

export const metadata = { title: "New import" };

export default async function NewImportPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "imports:manage");
  const limits = importLimits();
  return (
    <div className="flex flex-col gap-6">
      <div>
        <p className="mb-2 text-sm">
          <Link href={`/o/${access.org.slug}/imports`} className="underline">
            ← Imports
          </Link>
        </p>
        <h1 className="text-2xl font-bold tracking-tight">New import</h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600 dark:text-slate-400">
          Step 1 of 2: upload. The file is encrypted as it arrives and checked; nothing is added to your contacts until you map the columns and start the import.
        </p>
      </div>
      <Card>
        <UploadForm org={access.org.slug} maxMb={Math.round(limits.maxBytes / (1024 * 1024))} />
      </Card>
      <p className={mutedTextClass}>
        At most {limits.maxRows.toLocaleString("en-US")} rows per file. The upload is deleted when the import ends, and in any case {access.org.settings.importUploadMinutes} minutes after upload.
      </p>
    </div>
  );
}
