"use client";

import { useActionState, useOptimistic, startTransition } from "react";
import { InlineFormMessage } from "@/app/_components/form-message";
import { inputClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";

const parse = (value: string) => [...new Set(value.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))];

/**
 * Tags with an optimistic update: the chips show the new tags as soon as they are saved, and fall back to the
 * stored ones if the server refuses them (its message says why).
 */
export function TagsForm({ action, org, id, tags }: { action: (state: FormState, form: FormData) => Promise<FormState>; org: string; id: string; tags: string[] }) {
  const [state, formAction, pending] = useActionState(action, {});
  const [shown, showTags] = useOptimistic(tags);
  return (
    <form
      className="flex flex-col gap-2"
      data-testid="contact-tags-form"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        startTransition(() => {
          showTags(parse(String(form.get("tags") ?? "")));
          formAction(form);
        });
      }}
    >
      <input type="hidden" name="org" value={org} />
      <input type="hidden" name="id" value={id} />
      <ul className="flex min-h-7 flex-wrap gap-1.5" aria-label="Current tags" data-testid="contact-tags">
        {shown.length === 0 && <li className="text-sm text-slate-500 dark:text-slate-400">No tags yet</li>}
        {shown.map((t) => (
          <li key={t} className="rounded-full bg-slate-100 px-2.5 py-0.5 text-sm text-slate-800 dark:bg-slate-800 dark:text-slate-200">
            {t}
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap items-end gap-2">
        <div className="min-w-[16rem] flex-1">
          <label htmlFor="contact-tags" className="block text-sm font-medium">
            Tags (separated by commas)
          </label>
          <input id="contact-tags" name="tags" defaultValue={tags.join(", ")} className={inputClass} />
        </div>
        <button type="submit" disabled={pending} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">
          {pending ? "Saving…" : "Save tags"}
        </button>
      </div>
      <InlineFormMessage state={state} />
    </form>
  );
}
