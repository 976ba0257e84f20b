"use client";

import { useActionState, useId, type ReactNode } from "react";
import type { FormState } from "@/lib/http/action";
import { inputClass, primaryButtonClass } from "./ui";
import { FormMessage } from "./form-message";
import { fieldErrorClass } from "@/app/_components/ui";

const dangerButtonClass = primaryButtonClass.replace("bg-brand-600", "bg-red-700").replace("hover:bg-brand-700", "hover:bg-red-800");

export type Field = { name: string; label: string; type?: string; autoComplete?: string; hint?: string; required?: boolean; inputMode?: "numeric" | "text" };

/**
 * A form bound to a server action: keeps what was typed (except secrets) when the server answers
 * with an error, shows field errors next to their fields, and announces the result.
 */
export function ActionForm({
  action,
  fields,
  submitLabel,
  hidden,
  children,
  success,
  danger,
}: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  fields: Field[];
  submitLabel: string;
  hidden?: Record<string, string>;
  children?: ReactNode;
  success?: (state: FormState) => ReactNode;
  /** A destructive submit: red, so it never looks like the page's main action. */
  danger?: boolean;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  // Unique per form: two forms on one page may share field names.
  const formId = useId();
  if (state.ok && success) return <>{success(state)}</>;
  return (
    <form action={formAction} className="flex flex-col gap-4" noValidate>
      {hidden && Object.entries(hidden).map(([name, value]) => <input key={name} type="hidden" name={name} value={value} />)}
      {fields.map((f) => {
        const error = state.fieldErrors?.[f.name];
        const id = `${formId}-${f.name}`;
        return (
          <div key={f.name}>
            <label htmlFor={id} className="block text-sm font-medium">
              {f.label}
            </label>
            <input
              id={id}
              name={f.name}
              type={f.type ?? "text"}
              autoComplete={f.autoComplete}
              inputMode={f.inputMode}
              required={f.required ?? true}
              defaultValue={f.type === "password" ? undefined : state.values?.[f.name]}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : f.hint ? `${id}-hint` : undefined}
              className={inputClass}
            />
            {f.hint && !error && (
              <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
                {f.hint}
              </p>
            )}
            {error && (
              <p id={`${id}-error`} className={fieldErrorClass}>
                {error}
              </p>
            )}
          </div>
        );
      })}
      {children}
      <FormMessage state={state} />
      <button type="submit" className={danger ? dangerButtonClass : primaryButtonClass} disabled={pending}>
        {pending ? "Please wait…" : submitLabel}
      </button>
    </form>
  );
}
