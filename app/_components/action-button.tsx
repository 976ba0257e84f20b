"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/http/action";
import { useAnnouncingAction } from "./page-notice";
import { mutedTextClass } from "@/app/_components/ui";

/** A one-button form bound to a server action, announcing the result next to it. */
export function ActionButton({
  action,
  label,
  hidden,
  variant = "secondary",
  testId,
  ariaLabel,
  confirm,
  announce,
}: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  label: string;
  hidden?: Record<string, string>;
  variant?: "secondary" | "danger";
  testId?: string;
  /** A name of its own when the label alone is ambiguous in a list ("Restore" → "Restore Phone bank"). */
  ariaLabel?: string;
  /** Asked before an irreversible step; cancelling sends nothing. */
  confirm?: string;
  /** Also show a success in the page notice: for buttons whose row goes away once they succeed. */
  announce?: boolean;
}) {
  const [state, formAction, pending] = useActionState(useAnnouncingAction(action, announce === true), {});
  const style =
    variant === "danger"
      ? "border-red-300 text-red-800 hover:bg-red-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950"
      : "border-slate-300 hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800";
  return (
    <form
      action={formAction}
      onSubmit={confirm ? (e) => !window.confirm(confirm) && e.preventDefault() : undefined}
      className="inline-flex items-center gap-2"
    >
      {hidden && Object.entries(hidden).map(([name, value]) => <input key={name} type="hidden" name={name} value={value} />)}
      <button type="submit" disabled={pending} data-testid={testId} aria-label={ariaLabel} className={`rounded-md border px-3 py-1.5 text-sm font-medium ${style}`}>
        {pending ? "Please wait…" : label}
      </button>
      {state.message && (
        <span role="status" className={mutedTextClass}>
          {state.message}
        </span>
      )}
    </form>
  );
}
