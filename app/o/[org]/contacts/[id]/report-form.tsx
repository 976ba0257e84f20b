"use client";

import { useActionState, useId } from "react";
import { fieldErrorClass, inputClass, primaryButtonClass, secondaryButtonClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";
import { FormMessage } from "@/app/_components/form-message";

type Option = readonly [value: string, label: string];
export type ReportFormQuestion = { key: string; label: string; options: readonly Option[] };

/** Outcome and survey for one contact; "Save draft" keeps it private to its author, "Complete report" makes it final. */
export function ReportForm({
  action,
  org,
  contactId,
  actionId,
  outcomes,
  questions,
  initial,
}: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  org: string;
  contactId: string;
  actionId?: string;
  outcomes: readonly Option[];
  questions: readonly ReportFormQuestion[];
  initial: Record<string, string>;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  const id = useId();
  const value = (name: string) => (state.values ? state.values[name] : initial[name]) ?? "";
  const outcomeError = state.fieldErrors?.outcome;
  return (
    <form action={formAction} className="flex flex-col gap-5" data-testid="report-form">
      <input type="hidden" name="org" value={org} />
      <input type="hidden" name="contactId" value={contactId} />
      {actionId && <input type="hidden" name="actionId" value={actionId} />}
      <fieldset aria-describedby={outcomeError ? `${id}-outcome-error` : undefined}>
        <legend className="text-sm font-medium">
          What happened? <span className="text-red-700">*</span>
        </legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {outcomes.map(([v, label]) => (
            <label key={v} className="flex items-center gap-2 text-sm">
              <input type="radio" name="outcome" value={v} defaultChecked={value("outcome") === v} required className="h-4 w-4" />
              {label}
            </label>
          ))}
        </div>
        {outcomeError && (
          <p id={`${id}-outcome-error`} className={fieldErrorClass}>
            {outcomeError}
          </p>
        )}
      </fieldset>
      <div className="grid gap-4 sm:grid-cols-2">
        {questions.map((q) => (
          <div key={q.key}>
            <label htmlFor={`${id}-${q.key}`} className="block text-sm font-medium">
              {q.label}
            </label>
            <select
              id={`${id}-${q.key}`}
              name={q.key}
              defaultValue={value(q.key)}
              aria-invalid={state.fieldErrors?.[q.key] ? true : undefined}
              aria-describedby={state.fieldErrors?.[q.key] ? `${id}-${q.key}-error` : undefined}
              className={inputClass}
            >
              <option value="">Not asked / no answer</option>
              {q.options.map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
            </select>
            {state.fieldErrors?.[q.key] && (
              <p id={`${id}-${q.key}-error`} className={fieldErrorClass}>
                {state.fieldErrors[q.key]}
              </p>
            )}
          </div>
        ))}
      </div>
      <FormMessage state={state} />
      <div className="flex flex-wrap gap-3">
        <button type="submit" name="intent" value="complete" disabled={pending} className={primaryButtonClass} data-testid="report-complete">
          Complete report
        </button>
        <button type="submit" name="intent" value="draft" disabled={pending} className={secondaryButtonClass} data-testid="report-draft">
          Save draft
        </button>
        {pending && (
          <span role="status" className="self-center text-sm text-slate-600 dark:text-slate-400">
            Saving…
          </span>
        )}
      </div>
      <p className="text-xs text-slate-500 dark:text-slate-400">A completed report is final and campaign admins can read it. A draft stays private to you.</p>
    </form>
  );
}
