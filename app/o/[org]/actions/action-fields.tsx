"use client";

import { useActionState, useId } from "react";
import { fieldErrorClass, inputClass, primaryButtonClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";
import { ACTION_INSTRUCTIONS_MAX, ACTION_TITLE_MAX } from "@/lib/campaign-actions/limits";
import { kindLabels, toDateTimeLocal } from "./format";
import { FormMessage } from "@/app/_components/form-message";

export type ActionFormValues = {
  kind: string;
  title: string;
  instructions: string;
  startsAt: Date | null;
  endsAt: Date | null;
  assignees: string[];
};

type Choices = {
  members: { userId: string; name: string; role: string }[];
  lists: { id: string; name: string }[];
  tags: string[];
};

/**
 * The action form, for a new action and for changes: keeps what was typed when the server refuses it, shows each
 * field's error beside it. Members are checkboxes named assignee:<id>; targets come from a list and/or a tag.
 */
export function ActionFields({
  action,
  org,
  id,
  initial,
  choices,
  submitLabel,
}: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  org: string;
  id?: string;
  initial?: ActionFormValues;
  choices: Choices;
  submitLabel: string;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  const uid = useId();
  const typed = state.ok ? undefined : state.values;
  const value = (name: string, fallback: string) => typed?.[name] ?? fallback;
  const err = state.fieldErrors ?? {};
  const fieldId = (name: string) => `${uid}-${name}`;
  const errorOf = (name: string) =>
    err[name] ? (
      <p id={`${fieldId(name)}-error`} className={fieldErrorClass}>
        {err[name]}
      </p>
    ) : null;
  const described = (name: string) => (err[name] ? { "aria-invalid": true, "aria-describedby": `${fieldId(name)}-error` } : {});
  const editing = Boolean(id);

  return (
    <form action={formAction} className="flex flex-col gap-4" noValidate>
      <input type="hidden" name="org" value={org} />
      {id && <input type="hidden" name="id" value={id} />}
      <div className="grid gap-4 sm:grid-cols-[12rem_1fr]">
        <div>
          <label htmlFor={fieldId("kind")} className="block text-sm font-medium">
            Kind
          </label>
          <select id={fieldId("kind")} name="kind" defaultValue={value("kind", initial?.kind ?? "call")} className={inputClass} {...described("kind")}>
            {Object.entries(kindLabels).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
          {errorOf("kind")}
        </div>
        <div>
          <label htmlFor={fieldId("title")} className="block text-sm font-medium">
            Title
          </label>
          <input
            id={fieldId("title")}
            name="title"
            required
            maxLength={ACTION_TITLE_MAX}
            defaultValue={value("title", initial?.title ?? "")}
            className={inputClass}
            {...described("title")}
          />
          {errorOf("title")}
        </div>
      </div>
      <div>
        <label htmlFor={fieldId("instructions")} className="block text-sm font-medium">
          Instructions for volunteers
        </label>
        <textarea
          id={fieldId("instructions")}
          name="instructions"
          rows={6}
          maxLength={ACTION_INSTRUCTIONS_MAX}
          defaultValue={value("instructions", initial?.instructions ?? "")}
          className={inputClass}
          {...described("instructions")}
        />
        <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">A script, where to meet, what to bring. Stored encrypted.</p>
        {errorOf("instructions")}
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        {(["startsAt", "endsAt"] as const).map((name) => (
          <div key={name}>
            <label htmlFor={fieldId(name)} className="block text-sm font-medium">
              {name === "startsAt" ? "Starts (UTC, optional)" : "Ends (UTC, optional)"}
            </label>
            <input
              id={fieldId(name)}
              name={name}
              type="datetime-local"
              defaultValue={value(name, toDateTimeLocal(initial?.[name] ?? null))}
              className={inputClass}
              {...described(name)}
            />
            {errorOf(name)}
          </div>
        ))}
      </div>
      <fieldset {...described("assignees")}>
        <legend className="text-sm font-medium">Who does it</legend>
        {choices.members.length === 0 ? (
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">No active members yet: invite volunteers from the Volunteers page.</p>
        ) : (
          <ul className="mt-1 grid gap-1 sm:grid-cols-2" data-testid="assignee-choices">
            {choices.members.map((m) => {
              const name = `assignee:${m.userId}`;
              const checked = typed ? typed[name] === "on" : (initial?.assignees.includes(m.userId) ?? false);
              return (
                <li key={m.userId}>
                  <label className="flex items-center gap-2 text-sm">
                    <input type="checkbox" name={name} defaultChecked={checked} /> {m.name} <span className="text-slate-500 capitalize">({m.role})</span>
                  </label>
                </li>
              );
            })}
          </ul>
        )}
        {errorOf("assignees")}
      </fieldset>
      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-1 text-sm font-medium">{editing ? "Add contacts to reach" : "Contacts to reach"}</legend>
        <div>
          <label htmlFor={fieldId("listId")} className="block text-sm">
            {editing ? "Add everyone on a list" : "Everyone on a list"}
          </label>
          <select id={fieldId("listId")} name="listId" defaultValue={value("listId", "")} className={inputClass} {...described("listId")}>
            <option value="">No list</option>
            {choices.lists.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
          {errorOf("listId")}
        </div>
        <div>
          <label htmlFor={fieldId("tag")} className="block text-sm">
            {editing ? "Add everyone with a tag" : "Everyone with a tag"}
          </label>
          <select id={fieldId("tag")} name="tag" defaultValue={value("tag", "")} className={inputClass} {...described("tag")}>
            <option value="">No tag</option>
            {choices.tags.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          {errorOf("tag")}
        </div>
        {errorOf("addTargets")}
      </fieldset>
      <FormMessage state={state} />
      <div>
        <button type="submit" disabled={pending} className={primaryButtonClass}>
          {pending ? "Please wait…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
