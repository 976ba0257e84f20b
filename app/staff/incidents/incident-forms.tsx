"use client";

import { useActionState, useId } from "react";
import { FormMessage } from "@/app/_components/form-message";
import { inputClass, primaryButtonClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";

type Action = (state: FormState, form: FormData) => Promise<FormState>;

export type IncidentField =
  | { kind: "text" | "textarea"; name: string; label: string; hint?: string; rows?: number }
  | { kind: "select"; name: string; label: string; options: { value: string; label: string }[]; defaultValue?: string }
  | { kind: "checkboxes"; legend: string; options: { name: string; label: string; checked?: boolean }[] };

/**
 * A staff form for incidents: text areas, a select and checkboxes, which the shared ActionForm does not offer.
 * Keeps what was typed on a refusal, shows field errors next to their fields and announces the answer.
 */
export function IncidentForm({ action, fields, submitLabel, hidden, resetOnSuccess }: { action: Action; fields: IncidentField[]; submitLabel: string; hidden?: Record<string, string>; resetOnSuccess?: boolean }) {
  const [state, formAction, pending] = useActionState(action, {});
  const formId = useId();
  // A new key after a success empties the form for the next entry.
  const generation = resetOnSuccess && state.ok ? state.message : "form";
  return (
    <form key={generation} action={formAction} className="flex flex-col gap-3" noValidate>
      {hidden && Object.entries(hidden).map(([name, value]) => <input key={name} type="hidden" name={name} value={value} />)}
      {fields.map((f) => {
        if (f.kind === "checkboxes")
          return (
            <fieldset key={f.legend}>
              <legend className="text-sm font-medium">{f.legend}</legend>
              <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
                {f.options.map((o) => (
                  <label key={o.name} className="inline-flex items-center gap-2 text-sm">
                    <input type="checkbox" name={o.name} defaultChecked={state.values ? state.values[o.name] === "on" : o.checked} className="h-4 w-4" />
                    {o.label}
                  </label>
                ))}
              </div>
            </fieldset>
          );
        const id = `${formId}-${f.name}`;
        const error = state.fieldErrors?.[f.name];
        const described = error ? `${id}-error` : "hint" in f && f.hint ? `${id}-hint` : undefined;
        const common = { id, name: f.name, "aria-invalid": error ? true : undefined, "aria-describedby": described, className: inputClass };
        return (
          <div key={f.name}>
            <label htmlFor={id} className="block text-sm font-medium">
              {f.label}
            </label>
            {f.kind === "textarea" ? (
              <textarea {...common} rows={f.rows ?? 4} defaultValue={state.values?.[f.name]} />
            ) : f.kind === "select" ? (
              <select {...common} defaultValue={state.values?.[f.name] ?? f.defaultValue}>
                {f.options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : (
              <input {...common} type="text" defaultValue={state.values?.[f.name]} />
            )}
            {"hint" in f && f.hint && !error && (
              <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
                {f.hint}
              </p>
            )}
            {error && (
              <p id={`${id}-error`} className="mt-1 text-sm text-red-700 dark:text-red-400">
                {error}
              </p>
            )}
          </div>
        );
      })}
      <FormMessage state={state} />
      <button type="submit" className={`${primaryButtonClass} self-start`} disabled={pending}>
        {pending ? "Please wait…" : submitLabel}
      </button>
    </form>
  );
}
