"use client";

import { useActionState, type ReactNode } from "react";
import { InlineFormMessage } from "@/app/_components/form-message";
import type { FormState } from "@/lib/http/action";

/** A small form (a select, a text box, a checkbox) around server-rendered inputs, announcing the result beside it. */
export function InlineForm({
  action,
  hidden,
  submitLabel,
  children,
  danger,
  testId,
}: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  hidden: Record<string, string>;
  submitLabel: string;
  children?: ReactNode;
  danger?: boolean;
  testId?: string;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  const style = danger
    ? "border-red-300 text-red-800 hover:bg-red-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950"
    : "border-slate-300 hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800";
  return (
    <form action={formAction} className="flex flex-wrap items-end gap-2" data-testid={testId}>
      {Object.entries(hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {children}
      <button type="submit" disabled={pending} className={`rounded-md border px-3 py-1.5 text-sm font-medium ${style}`}>
        {pending ? "Please wait…" : submitLabel}
      </button>
      <InlineFormMessage state={state} className="basis-full" />
    </form>
  );
}
