"use client";

import { useActionState, useId } from "react";
import { useAnnouncingAction } from "@/app/_components/page-notice";
import type { FormState } from "@/lib/http/action";
import { mutedTextClass } from "@/app/_components/ui";

/** Decline with a reason from a closed list (shown to the requester in words). */
export function DeclineForm({
  action,
  org,
  requestId,
  reasons,
}: {
  action: (s: FormState, f: FormData) => Promise<FormState>;
  org: string;
  requestId: string;
  reasons: { value: string; label: string }[];
}) {
  const [state, formAction, pending] = useActionState(useAnnouncingAction(action), {});
  const id = useId();
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="org" value={org} />
      <input type="hidden" name="requestId" value={requestId} />
      <label htmlFor={`${id}-reason`} className="text-sm">
        Reason
      </label>
      <select id={`${id}-reason`} name="reason" required defaultValue="" className="rounded border border-slate-300 px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-800">
        <option value="" disabled>
          Choose…
        </option>
        {reasons.map((r) => (
          <option key={r.value} value={r.value}>
            {r.label}
          </option>
        ))}
      </select>
      <button type="submit" disabled={pending} data-testid="deletion-request-decline" className="rounded border border-slate-300 px-2 py-1 text-sm dark:border-slate-600">
        Decline
      </button>
      {(state.message || state.fieldErrors?.reason) && (
        <span role={state.ok ? "status" : "alert"} className={mutedTextClass}>
          {state.fieldErrors?.reason ?? state.message}
        </span>
      )}
    </form>
  );
}

/** Fulfil: deletes every matching contact; one button, the outcome announced beside it. */
export function FulfilForm({ action, org, requestId }: { action: (s: FormState, f: FormData) => Promise<FormState>; org: string; requestId: string }) {
  const [state, formAction, pending] = useActionState(useAnnouncingAction(action), {});
  return (
    <form action={formAction} className="inline-flex flex-wrap items-center gap-2">
      <input type="hidden" name="org" value={org} />
      <input type="hidden" name="requestId" value={requestId} />
      <button
        type="submit"
        disabled={pending}
        data-testid="deletion-request-fulfil"
        className="rounded-md border border-red-300 px-3 py-1.5 text-sm font-medium text-red-800 hover:bg-red-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950"
      >
        {pending ? "Deleting…" : "Delete matching contacts"}
      </button>
      {state.message && (
        <span role={state.ok ? "status" : "alert"} className={mutedTextClass}>
          {state.message}
        </span>
      )}
    </form>
  );
}
