"use client";

import { useActionState } from "react";
import { ActionForm } from "@/app/_components/forms";
import { primaryButtonClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";

type Action = (state: FormState, form: FormData) => Promise<FormState>;

/** Enrol: show QR and key, confirm with a first code, then show the recovery codes once. */
export function TotpEnrolment({ begin, confirm }: { begin: Action; confirm: Action }) {
  const [started, beginAction, pending] = useActionState(begin, {});
  const secret = started.data?.secret as string | undefined;
  const qr = started.data?.qrDataUrl as string | undefined;
  if (!secret || !qr)
    return (
      <form action={beginAction}>
        {started.message && <p role="alert" className="mb-2 text-sm text-red-700">{started.message}</p>}
        <button type="submit" className={primaryButtonClass} disabled={pending}>
          Set up an authenticator app
        </button>
      </form>
    );
  return (
    <div className="flex flex-col gap-4">
      <p className="text-sm">Scan this code with an authenticator app, or type the key by hand, then enter the code it shows.</p>
      {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL generated per enrolment */}
      <img src={qr} alt="QR code for your authenticator app" width={220} height={220} className="rounded border border-slate-200 bg-white p-1" />
      <p className="text-sm">
        Key: <code data-testid="totp-secret" className="select-all rounded bg-slate-100 px-2 py-1 font-mono dark:bg-slate-800">{secret}</code>
      </p>
      <ActionForm
        action={confirm}
        submitLabel="Turn on two-step verification"
        fields={[{ name: "code", label: "Code from the app", autoComplete: "one-time-code", inputMode: "numeric" }]}
        success={(state) => <RecoveryCodes codes={(state.data?.recoveryCodes as string[]) ?? []} />}
      />
    </div>
  );
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div role="status" className="flex flex-col gap-3">
      <p className="font-semibold">Two-step verification is on.</p>
      <p className="text-sm">
        Save these recovery codes somewhere safe. Each one signs you in once if you lose your phone. They are shown only now.
      </p>
      <ul data-testid="recovery-codes" className="grid grid-cols-2 gap-2 font-mono text-sm">
        {codes.map((c) => (
          <li key={c} className="rounded bg-slate-100 px-2 py-1 dark:bg-slate-800">
            {c}
          </li>
        ))}
      </ul>
    </div>
  );
}
