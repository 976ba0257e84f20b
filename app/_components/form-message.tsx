import type { ReactNode } from "react";
import type { FormState } from "@/lib/http/action";

/** A form's answer under the form: a green status or an amber alert, so screen readers announce it. */
export function FormMessage({ state, children }: { state: FormState; children?: ReactNode }) {
  if (!state.message) return null;
  return (
    <div
      role={state.ok ? "status" : "alert"}
      className={`rounded-md p-3 text-sm ${state.ok ? "bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100" : "bg-amber-50 text-amber-900 dark:bg-amber-950 dark:text-amber-100"}`}
    >
      <p>{state.message}</p>
      {children}
    </div>
  );
}

/** The same answer for a small inline form: its field errors, or else its message, as one line of text. */
export function InlineFormMessage({ state, className = "" }: { state: FormState; className?: string }) {
  const errors = Object.values(state.fieldErrors ?? {});
  if (!state.message && errors.length === 0) return null;
  return (
    <p role={state.ok ? "status" : "alert"} className={`${className} text-sm ${state.ok ? "text-emerald-800 dark:text-emerald-300" : "text-red-700 dark:text-red-400"}`.trim()}>
      {errors.length ? errors.join(" ") : state.message}
    </p>
  );
}
