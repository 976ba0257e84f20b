"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/http/action";
import { mutedTextClass } from "@/app/_components/ui";

/** Change a member's role: a labelled select and a button, with the result announced beside it. */
export function RoleForm({
  action,
  org,
  userId,
  current,
  options,
  name,
}: {
  action: (s: FormState, f: FormData) => Promise<FormState>;
  org: string;
  userId: string;
  current: string;
  options: string[];
  name: string;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  return (
    <form action={formAction} className="flex items-center gap-2">
      <input type="hidden" name="org" value={org} />
      <input type="hidden" name="userId" value={userId} />
      <label className="sr-only" htmlFor={`role-${userId}`}>
        Role of {name}
      </label>
      <select id={`role-${userId}`} name="role" defaultValue={current} className="rounded border border-slate-300 px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-800">
        {options.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <button type="submit" disabled={pending} className="rounded border border-slate-300 px-2 py-1 text-sm dark:border-slate-600">
        Change role
      </button>
      {state.message && (
        <span role="status" className={mutedTextClass}>
          {state.message}
        </span>
      )}
    </form>
  );
}
