"use client";

import { useActionState } from "react";
import { inputClass, primaryButtonClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";

export function InviteForm({ action, org, roles }: { action: (s: FormState, f: FormData) => Promise<FormState>; org: string; roles: string[] }) {
  const [state, formAction, pending] = useActionState(action, {});
  return (
    <form action={formAction} className="flex flex-col gap-3">
      <input type="hidden" name="org" value={org} />
      <div className="grid gap-3 sm:grid-cols-[1fr_10rem]">
        <div>
          <label htmlFor="invite-email" className="block text-sm font-medium">
            Email address
          </label>
          <input id="invite-email" name="email" type="email" required className={inputClass} defaultValue={state.ok ? "" : state.values?.email} />
          {state.fieldErrors?.email && <p className="mt-1 text-sm text-red-700">{state.fieldErrors.email}</p>}
        </div>
        <div>
          <label htmlFor="invite-role" className="block text-sm font-medium">
            Role
          </label>
          <select id="invite-role" name="role" defaultValue="volunteer" className={inputClass}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
      </div>
      {state.message && (
        <div role="status" className="rounded-md bg-slate-100 p-3 text-sm dark:bg-slate-800">
          <p>{state.message}</p>
          {typeof state.data?.link === "string" && (
            <p className="mt-1 break-all font-mono text-xs" data-testid="invite-link">
              {state.data.link}
            </p>
          )}
        </div>
      )}
      <div>
        <button type="submit" disabled={pending} className={primaryButtonClass}>
          Send invitation
        </button>
      </div>
    </form>
  );
}
