"use client";

import { useActionState } from "react";
import { inputClass, mutedTextClass, primaryButtonClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";
import { AUDIT_RETENTION_DAYS, TRASH_RETENTION_DAYS, type OrgSettings } from "@/lib/tenancy/settings";

export function SecuritySettingsForm({ action, org, settings }: { action: (s: FormState, f: FormData) => Promise<FormState>; org: string; settings: OrgSettings }) {
  const [state, formAction, pending] = useActionState(action, {});
  return (
    <form action={formAction} className="flex flex-col gap-5">
      <input type="hidden" name="org" value={org} />
      <fieldset>
        <legend className="font-medium">Require two-step verification</legend>
        {(
          [
            ["off", "Not required"],
            ["admins", "For owners and admins"],
            ["everyone", "For everyone, volunteers included"],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="mt-1 flex items-center gap-2 text-sm">
            <input type="radio" name="require2fa" value={value} defaultChecked={settings.require2fa === value} /> {label}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend className="font-medium">Support access by Rampart staff</legend>
        <p className={mutedTextClass}>Staff can open read-only access for at most 24 hours with a reason; every page they open appears in your activity feed.</p>
        {(
          [
            ["allowed", "Allowed"],
            ["refused", "Refused entirely"],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="mt-1 flex items-center gap-2 text-sm">
            <input type="radio" name="supportAccess" value={value} defaultChecked={settings.supportAccess === value} /> {label}
          </label>
        ))}
      </fieldset>
      <div>
        <label htmlFor="retention" className="font-medium">
          Days the activity log stays online before it is archived (encrypted)
        </label>
        <input id="retention" name="auditRetentionDays" type="number" min={AUDIT_RETENTION_DAYS.min} max={AUDIT_RETENTION_DAYS.max} defaultValue={settings.auditRetentionDays} className={`${inputClass} max-w-32`} />
        {state.fieldErrors?.auditRetentionDays && <p className="mt-1 text-sm text-red-700">{state.fieldErrors.auditRetentionDays}</p>}
      </div>
      <div>
        <label htmlFor="trash-retention" className="font-medium">
          Keep deleted actions in the trash for this many days
        </label>
        <p id="trash-retention-hint" className={mutedTextClass}>
          Until then they can be restored from the trash; afterwards they are deleted for good. 1 to {TRASH_RETENTION_DAYS.max} days.
        </p>
        <input
          id="trash-retention"
          name="trashRetentionDays"
          type="number"
          min={TRASH_RETENTION_DAYS.min}
          max={TRASH_RETENTION_DAYS.max}
          defaultValue={settings.trashRetentionDays}
          aria-describedby="trash-retention-hint"
          aria-invalid={state.fieldErrors?.trashRetentionDays ? true : undefined}
          className={`${inputClass} max-w-32`}
        />
        {state.fieldErrors?.trashRetentionDays && <p className="mt-1 text-sm text-red-700">{state.fieldErrors.trashRetentionDays}</p>}
      </div>
      {state.message && (
        <p role="status" className="text-sm">
          {state.message}
        </p>
      )}
      <div>
        <button type="submit" disabled={pending} className={primaryButtonClass}>
          Save security settings
        </button>
      </div>
    </form>
  );
}
