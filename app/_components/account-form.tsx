"use client";

import { useActionState } from "react";
import { inputClass, primaryButtonClass } from "./ui";

export type AccountFormState = { message?: string; values?: Record<string, string> };
type Field = { name: string; label: string; type: string; autoComplete: string };

/** Shared form for the account pages: keeps what was typed when the server answers with a message. */
export function AccountForm({
  action,
  fields,
  submitLabel,
}: {
  action: (state: AccountFormState, form: FormData) => Promise<AccountFormState>;
  fields: Field[];
  submitLabel: string;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  return (
    <form action={formAction} className="flex flex-col gap-4" noValidate>
      {fields.map((f) => (
        <label key={f.name} className="block text-sm font-medium">
          {f.label}
          <input
            name={f.name}
            type={f.type}
            autoComplete={f.autoComplete}
            required
            defaultValue={f.type === "password" ? undefined : state.values?.[f.name]}
            className={inputClass}
          />
        </label>
      ))}
      {state.message && (
        <p role="status" className="rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          {state.message}
        </p>
      )}
      <button type="submit" className={primaryButtonClass} disabled={pending}>
        {pending ? "Please wait…" : submitLabel}
      </button>
    </form>
  );
}
