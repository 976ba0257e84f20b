"use client";

import { useActionState } from "react";
import { InlineFormMessage } from "@/app/_components/form-message";
import { inputClass, mutedTextClass, primaryButtonClass, selectClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";
import { importFieldLabels, importFields, type ImportField } from "@/lib/imports/fields";

type Props = {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  org: string;
  id: string;
  headers: string[];
  suggested: Record<string, string>;
  preview: string[][];
  lists: { id: string; name: string }[];
};

/** Step 2: a field for each column (suggested from its header), the duplicate policy, a list and tags, over a preview of the first rows. */
export function MappingForm({ action, org, id, headers, suggested, preview, lists }: Props) {
  const [state, formAction, pending] = useActionState(action, {});
  return (
    <form action={formAction} className="flex flex-col gap-6" data-testid="import-mapping-form">
      <input type="hidden" name="org" value={org} />
      <input type="hidden" name="id" value={id} />
      <div className="overflow-x-auto">
        <table className="text-left text-sm" data-testid="import-preview">
          <caption className="mb-2 text-left font-medium">Columns and the first {preview.length} rows (decrypted for this page only)</caption>
          <thead>
            <tr>
              {headers.map((h, i) => (
                <th key={i} scope="col" className="min-w-40 border-b border-slate-200 py-2 pr-3 align-bottom dark:border-slate-700">
                  <label htmlFor={`col_${i}`} className="block font-semibold">
                    {h || `Column ${i + 1}`}
                  </label>
                  <select id={`col_${i}`} name={`col_${i}`} defaultValue={suggested[String(i)] ?? ""} className={selectClass}>
                    <option value="">Do not import</option>
                    {importFields.map((f: ImportField) => (
                      <option key={f} value={f}>
                        {importFieldLabels[f]}
                      </option>
                    ))}
                  </select>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.map((row, r) => (
              <tr key={r} className="border-b border-slate-100 dark:border-slate-800">
                {headers.map((_, c) => (
                  <td key={c} className="max-w-56 truncate py-1 pr-3">
                    {row[c] ?? ""}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <fieldset>
        <legend className="font-medium">When a row matches an existing contact (same email, phone or external id)</legend>
        {(
          [
            ["skip", "Skip the row (change nothing)"],
            ["fill_empty", "Fill in the contact's empty fields only"],
            ["overwrite", "Overwrite the contact's fields with the file's values"],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="mt-1 flex items-center gap-2 text-sm">
            <input type="radio" name="duplicates" value={value} defaultChecked={value === "skip"} /> {label}
          </label>
        ))}
      </fieldset>
      <div className="grid gap-4 sm:grid-cols-2">
        <div>
          <label htmlFor="import-list" className="font-medium">
            Add every imported contact to a list
          </label>
          <select id="import-list" name="listId" defaultValue="" className={selectClass}>
            <option value="">No list</option>
            {lists.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="import-tags" className="font-medium">
            Tags for every imported contact
          </label>
          <p id="import-tags-hint" className={mutedTextClass}>
            Separated by commas, e.g. “spring-drive, ward 5”.
          </p>
          <input id="import-tags" name="tags" maxLength={500} aria-describedby="import-tags-hint" className={inputClass} />
        </div>
      </div>
      <InlineFormMessage state={state} />
      <div>
        <button type="submit" disabled={pending} className={primaryButtonClass}>
          {pending ? "Starting…" : "Start import"}
        </button>
      </div>
    </form>
  );
}
