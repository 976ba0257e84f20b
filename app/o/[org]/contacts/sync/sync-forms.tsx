"use client";

import { useActionState, useId } from "react";
import { FormMessage } from "@/app/_components/form-message";
import { fieldErrorClass, inputClass, mutedTextClass, primaryButtonClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";

type Action = (state: FormState, form: FormData) => Promise<FormState>;

function Result({ state }: { state: FormState }) {
  const errors = Array.isArray(state.data?.errors) ? (state.data.errors as string[]) : [];
  return (
    <FormMessage state={state}>
      {errors.length > 0 && (
        <ul className="mt-2 list-disc pl-5" data-testid="sync-errors">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </FormMessage>
  );
}

const fields = [
  { name: "name", label: "Name", required: true, autoComplete: "off" },
  { name: "email", label: "Email", type: "email", autoComplete: "off" },
  { name: "phone", label: "Phone", type: "tel", autoComplete: "off" },
] as const;

/** One contact typed in by hand. */
export function SyncOneForm({ action, org }: { action: Action; org: string }) {
  const [state, formAction, pending] = useActionState(action, {});
  const id = useId();
  const value = (name: string) => (state.ok ? undefined : state.values?.[name]);
  const error = (name: string) => state.fieldErrors?.[name];
  const errorText = (name: string) =>
    error(name) && (
      <p id={`${id}-${name}-error`} className={fieldErrorClass}>
        {error(name)}
      </p>
    );
  return (
    <form action={formAction} className="flex flex-col gap-4" data-testid="sync-form" noValidate>
      <input type="hidden" name="org" value={org} />
      <div className="grid gap-4 sm:grid-cols-3">
        {fields.map((f) => (
          <div key={f.name}>
            <label htmlFor={`${id}-${f.name}`} className="block text-sm font-medium">
              {f.label}
              {"required" in f && <span className="text-red-700"> *</span>}
            </label>
            <input
              id={`${id}-${f.name}`}
              name={f.name}
              type={"type" in f ? f.type : "text"}
              autoComplete={f.autoComplete}
              required={"required" in f}
              defaultValue={value(f.name)}
              aria-invalid={error(f.name) ? true : undefined}
              aria-describedby={error(f.name) ? `${id}-${f.name}-error` : undefined}
              className={inputClass}
            />
            {errorText(f.name)}
          </div>
        ))}
      </div>
      <div>
        <label htmlFor={`${id}-notes`} className="block text-sm font-medium">
          Notes <span className="font-normal text-slate-500">(only you see these)</span>
        </label>
        <textarea
          id={`${id}-notes`}
          name="notes"
          rows={2}
          defaultValue={value("notes")}
          aria-invalid={error("notes") ? true : undefined}
          aria-describedby={error("notes") ? `${id}-notes-error` : undefined}
          className={inputClass}
        />
        {errorText("notes")}
      </div>
      <Result state={state} />
      <div>
        <button type="submit" disabled={pending} className={primaryButtonClass}>
          {pending ? "Adding…" : "Add contact"}
        </button>
      </div>
    </form>
  );
}

/** A CSV file from the person's address book, parsed on the server and never stored. */
export function SyncCsvForm({ action, org }: { action: Action; org: string }) {
  const [state, formAction, pending] = useActionState(action, {});
  const id = useId();
  const fileError = state.fieldErrors?.file;
  return (
    <form action={formAction} className="flex flex-col gap-4" data-testid="sync-csv-form">
      <input type="hidden" name="org" value={org} />
      <div>
        <label htmlFor={`${id}-file`} className="block text-sm font-medium">
          CSV file
        </label>
        <input
          id={`${id}-file`}
          name="file"
          type="file"
          accept=".csv,text/csv"
          required
          aria-invalid={fileError ? true : undefined}
          aria-describedby={fileError ? `${id}-file-error` : `${id}-file-hint`}
          className="mt-1 block w-full text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm file:font-medium dark:file:border-slate-600 dark:file:bg-slate-800"
        />
        {fileError ? (
          <p id={`${id}-file-error`} className={fieldErrorClass}>
            {fileError}
          </p>
        ) : (
          <p id={`${id}-file-hint`} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
            Up to 5,000 contacts and 2 MB. Row numbers in error messages count the header as row 1, as in a spreadsheet.
          </p>
        )}
      </div>
      {pending && (
        <p role="status" className={mutedTextClass}>
          Reading your file and encrypting each contact… this can take a little while for a long file.
        </p>
      )}
      {!pending && <Result state={state} />}
      <div>
        <button type="submit" disabled={pending} className={primaryButtonClass}>
          {pending ? "Uploading…" : "Upload and add contacts"}
        </button>
      </div>
    </form>
  );
}
