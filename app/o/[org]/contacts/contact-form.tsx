"use client";

import { useActionState, useId } from "react";
import { fieldErrorClass, inputClass, primaryButtonClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";
import { FormMessage } from "@/app/_components/form-message";

type Initial = Record<string, string>;
type Field = { name: string; label: string; type?: string; autoComplete?: string; hint?: string; required?: boolean };

/**
 * Adds or edits a contact: keeps what was typed when the server refuses, shows each field's error beside it.
 * `tags` and `assignees` appear only where the person may set them (admins creating a contact).
 */
export function ContactForm({
  action,
  org,
  id,
  initial = {},
  addressFields,
  withTags,
  assignees,
  submitLabel,
}: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  org: string;
  id?: string;
  initial?: Initial;
  addressFields: readonly Field[];
  withTags?: boolean;
  assignees?: { id: string; name: string; role: string }[];
  submitLabel: string;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  const formId = useId();
  const value = (name: string) => (state.values ? state.values[name] : initial[name]) ?? "";
  const error = (name: string) => state.fieldErrors?.[name];
  const describedBy = (name: string, hint?: string) => (error(name) ? `${formId}-${name}-error` : hint ? `${formId}-${name}-hint` : undefined);
  const help = (name: string, hint?: string) => (
    <>
      {hint && !error(name) && (
        <p id={`${formId}-${name}-hint`} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          {hint}
        </p>
      )}
      {error(name) && (
        <p id={`${formId}-${name}-error`} className={fieldErrorClass}>
          {error(name)}
        </p>
      )}
    </>
  );
  const input = (f: Field) => (
    <div key={f.name}>
      <label htmlFor={`${formId}-${f.name}`} className="block text-sm font-medium">
        {f.label}
        {f.required && <span className="text-red-700"> *</span>}
      </label>
      <input
        id={`${formId}-${f.name}`}
        name={f.name}
        type={f.type ?? "text"}
        autoComplete={f.autoComplete ?? "off"}
        required={f.required}
        defaultValue={value(f.name)}
        aria-invalid={error(f.name) ? true : undefined}
        aria-describedby={describedBy(f.name, f.hint)}
        className={inputClass}
      />
      {help(f.name, f.hint)}
    </div>
  );
  // The key makes inputs take the echoed values after a refused submit.
  return (
    <form key={JSON.stringify(state.values ?? initial)} action={formAction} className="flex flex-col gap-4" noValidate data-testid="contact-edit-form">
      <input type="hidden" name="org" value={org} />
      {id && <input type="hidden" name="id" value={id} />}
      {input({ name: "name", label: "Name", required: true, autoComplete: "off" })}
      <div className="grid gap-4 sm:grid-cols-2">
        {input({ name: "email", label: "Email", type: "email", autoComplete: "off" })}
        {input({ name: "phone", label: "Phone", type: "tel", autoComplete: "off", hint: "With the country code if it is abroad, e.g. +44 20 7946 0958" })}
      </div>
      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-1 text-sm font-semibold">Address</legend>
        {addressFields.map((f) => input(f))}
      </fieldset>
      <div>
        <label htmlFor={`${formId}-notes`} className="block text-sm font-medium">
          Notes
        </label>
        <textarea
          id={`${formId}-notes`}
          name="notes"
          rows={4}
          defaultValue={value("notes")}
          aria-invalid={error("notes") ? true : undefined}
          aria-describedby={describedBy("notes")}
          className={inputClass}
        />
        {help("notes")}
      </div>
      {withTags && input({ name: "tags", label: "Tags", hint: "Separate tags with commas, e.g. donor, ward-5" })}
      {assignees && (
        <div>
          <label htmlFor={`${formId}-assignedTo`} className="block text-sm font-medium">
            Assign to
          </label>
          <select id={`${formId}-assignedTo`} name="assignedTo" defaultValue={value("assignedTo")} className={inputClass}>
            <option value="">Nobody yet</option>
            {assignees.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.role})
              </option>
            ))}
          </select>
          {help("assignedTo")}
        </div>
      )}
      <FormMessage state={state} />
      <div>
        <button type="submit" className={primaryButtonClass} disabled={pending}>
          {pending ? "Saving…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
