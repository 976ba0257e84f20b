"use client";

import { useActionState, useId } from "react";
import { InlineFormMessage } from "@/app/_components/form-message";
import { useAnnouncingAction } from "@/app/_components/page-notice";
import type { FormState } from "@/lib/http/action";
import { dangerOutlineButtonClass } from "@/app/_components/ui";

type Action = (state: FormState, form: FormData) => Promise<FormState>;

/** A destructive button behind a confirmation checkbox (the server checks it too). */
export function ConfirmDeleteForm({ action, scope, label, testId }: { action: Action; scope: string; label: string; testId: string }) {
  const [state, formAction, pending] = useActionState(useAnnouncingAction(action), {});
  const id = useId();
  return (
    <form action={formAction} className="flex flex-col gap-2" data-testid={testId}>
      <input type="hidden" name="scope" value={scope} />
      <div className="flex flex-wrap items-center gap-3">
        <label htmlFor={`${id}-confirm`} className="inline-flex items-center gap-2 text-sm">
          <input id={`${id}-confirm`} type="checkbox" name="confirm" required className="h-4 w-4" />I understand this cannot be undone
        </label>
        <button type="submit" disabled={pending} className={dangerOutlineButtonClass}>
          {pending ? "Deleting…" : label}
        </button>
      </div>
      <InlineFormMessage state={state} />
    </form>
  );
}

/** One button, with the outcome announced beside it. */
export function SubmitForm({ action, label, testId }: { action: Action; label: string; testId: string }) {
  const [state, formAction, pending] = useActionState(action, {});
  return (
    <form action={formAction} className="flex flex-col gap-2" data-testid={testId}>
      <div>
        <button
          type="submit"
          disabled={pending}
          className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-60 dark:border-slate-600 dark:hover:bg-slate-800"
        >
          {pending ? "Please wait…" : label}
        </button>
      </div>
      <InlineFormMessage state={state} />
    </form>
  );
}
