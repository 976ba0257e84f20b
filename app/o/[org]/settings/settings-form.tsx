"use client";

import { useActionState } from "react";
import { inputClass, mutedTextClass, primaryButtonClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";
import { AUDIT_RETENTION_DAYS, IMPORT_HISTORY_DAYS, IMPORT_RESULT_DAYS, IMPORT_UPLOAD_MINUTES, TRASH_RETENTION_DAYS, type OrgSettings } from "@/lib/tenancy/settings";

const importRetentionFields = [
  {
    name: "importUploadMinutes",
    label: "Delete uploaded import files after this many minutes",
    hint: `Files are deleted as soon as their import ends, and never kept longer than this: ${IMPORT_UPLOAD_MINUTES.min} to ${IMPORT_UPLOAD_MINUTES.max} minutes.`,
    bounds: IMPORT_UPLOAD_MINUTES,
  },
  {
    name: "importResultDays",
    label: "Keep import result files (errors and summary) for this many days",
    hint: `0 keeps no result file at all. ${IMPORT_RESULT_DAYS.min} to ${IMPORT_RESULT_DAYS.max} days.`,
    bounds: IMPORT_RESULT_DAYS,
  },
  {
    name: "importHistoryDays",
    label: "Keep the import history for this many days",
    hint: `Older imports leave the history and can no longer be rolled back. ${IMPORT_HISTORY_DAYS.min} to ${IMPORT_HISTORY_DAYS.max} days.`,
    bounds: IMPORT_HISTORY_DAYS,
  },
] as const;

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
      {importRetentionFields.map((f) => (
        <div key={f.name}>
          <label htmlFor={f.name} className="font-medium">
            {f.label}
          </label>
          <p id={`${f.name}-hint`} className={mutedTextClass}>
            {f.hint}
          </p>
          <input
            id={f.name}
            name={f.name}
            type="number"
            min={f.bounds.min}
            max={f.bounds.max}
            defaultValue={settings[f.name]}
            aria-describedby={`${f.name}-hint`}
            aria-invalid={state.fieldErrors?.[f.name] ? true : undefined}
            className={`${inputClass} max-w-32`}
          />
          {state.fieldErrors?.[f.name] && <p className="mt-1 text-sm text-red-700">{state.fieldErrors[f.name]}</p>}
        </div>
      ))}
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
