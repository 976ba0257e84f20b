"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrorClass, inputClass, mutedTextClass, primaryButtonClass } from "@/app/_components/ui";

/** Sends the chosen file as the request body (streamed, not a buffered form post) and opens the mapping page. */
export function UploadForm({ org, maxMb }: { org: string; maxMb: number }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const file = (event.currentTarget.elements.namedItem("file") as HTMLInputElement).files?.[0];
    if (!file) return setError("Choose a file to upload.");
    if (file.size > maxMb * 1024 * 1024) return setError(`The file is larger than ${maxMb} MB, the most one import takes. Split it and upload each part.`);
    setPending(true);
    setError(null);
    const res = await fetch(`/api/o/${encodeURIComponent(org)}/imports`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", "x-file-name": encodeURIComponent(file.name) },
      body: file,
    }).catch(() => null);
    if (!res) {
      setPending(false);
      return setError("The upload did not reach the server. Check your connection and try again.");
    }
    const body = (await res.json().catch(() => ({}))) as { url?: string; title?: string };
    if (!res.ok || !body.url) {
      setPending(false);
      return setError(body.title ?? "The file could not be uploaded.");
    }
    router.push(body.url);
  }
  return (
    <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-4" data-testid="import-upload-form">
      <div>
        <label htmlFor="import-file" className="font-medium">
          CSV or Excel file
        </label>
        <p id="import-file-hint" className={mutedTextClass}>
          .csv (comma, semicolon, tab or pipe; UTF-8, UTF-16 or Windows-1252) or .xlsx, up to {maxMb} MB. The first row names the columns.
        </p>
        <input id="import-file" name="file" type="file" accept=".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required aria-describedby="import-file-hint" aria-invalid={error ? true : undefined} className={inputClass} />
      </div>
      {error && (
        <p role="alert" className={fieldErrorClass} data-testid="import-upload-error">
          {error}
        </p>
      )}
      <div>
        <button type="submit" disabled={pending} className={primaryButtonClass}>
          {pending ? "Uploading and checking…" : "Upload and check"}
        </button>
      </div>
    </form>
  );
}
