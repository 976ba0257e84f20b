"use client";

import { useActionState, useId } from "react";
import { ActionForm, type Field } from "@/app/_components/forms";
import { FormMessage } from "@/app/_components/form-message";
import { useAnnouncingAction } from "@/app/_components/page-notice";
import { fieldErrorClass, primaryButtonClass, selectClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";

type Action = (state: FormState, form: FormData) => Promise<FormState>;
type Option = { value: string; label: string };

/** Paste a key: secret fields are password inputs, never put back into the form after an error. */
export function ConnectForm({ action, org, system, fields, modes }: { action: Action; org: string; system: string; fields: Field[]; modes?: Option[] }) {
  const id = useId();
  return (
    <ActionForm action={action} fields={fields} submitLabel="Check the key and connect" hidden={{ org, system }}>
      {modes && (
        <div>
          <label htmlFor={`${id}-mode`} className="block text-sm font-medium">
            Database
          </label>
          <select id={`${id}-mode`} name="mode" defaultValue="1" className={selectClass}>
            {modes.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        </div>
      )}
    </ActionForm>
  );
}

type Row = { name: string; label: string; options: Option[]; value: string | undefined };

/** One select per outcome and survey answer; "Send nothing" leaves it unmapped. */
export function MappingForm({ action, org, system, groups }: { action: Action; org: string; system: string; groups: { title: string; rows: Row[] }[] }) {
  const [state, formAction, pending] = useActionState(useAnnouncingAction(action), {});
  const id = useId();
  return (
    <form action={formAction} className="flex flex-col gap-5" data-testid={`mapping-form-${system}`}>
      <input type="hidden" name="org" value={org} />
      <input type="hidden" name="system" value={system} />
      {groups.map((g) => (
        <fieldset key={g.title} className="flex flex-col gap-2">
          <legend className="mb-1 text-sm font-semibold">{g.title}</legend>
          {g.rows.map((r) => {
            const error = state.fieldErrors?.[r.name];
            return (
              <div key={r.name} className="grid items-center gap-1 sm:grid-cols-[16rem_1fr]">
                <label htmlFor={`${id}-${r.name}`} className="text-sm">
                  {r.label}
                </label>
                <div>
                  <select
                    id={`${id}-${r.name}`}
                    name={r.name}
                    defaultValue={r.value ?? ""}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={error ? `${id}-${r.name}-error` : undefined}
                    className={`${selectClass} mt-0 w-full max-w-md`}
                  >
                    <option value="">Send nothing</option>
                    {r.options.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                  {error && (
                    <p id={`${id}-${r.name}-error`} className={fieldErrorClass}>
                      {error}
                    </p>
                  )}
                </div>
              </div>
            );
          })}
        </fieldset>
      ))}
      <FormMessage state={state} />
      <button type="submit" disabled={pending} className={`${primaryButtonClass} self-start`}>
        {pending ? "Saving…" : "Save mapping"}
      </button>
    </form>
  );
}
