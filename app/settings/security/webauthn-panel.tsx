"use client";

import {
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/browser";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { dangerOutlineButtonClass, dividedListClass, fieldErrorClass, inputClass, mutedTextClass, primaryButtonClass, smallButtonClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";

type Action = (state: FormState, form: FormData) => Promise<FormState>;
export type SecurityKeyRow = { id: string; name: string; added: string; lastUsed: string | null };
type Notice = { ok: boolean; text: string } | null;

function formData(values: Record<string, string>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(values)) form.set(name, value);
  return form;
}

/** What the browser's refusal means for the person (the ceremony throws named DOMExceptions). */
function ceremonyMessage(err: unknown, registering: boolean): string {
  const name = err instanceof Error ? err.name : "";
  if (registering && name === "InvalidStateError") return "That security key is already registered to your account.";
  if (name === "NotAllowedError" || name === "AbortError") return "The request was cancelled or timed out. Please try again.";
  return "Your browser could not use a security key here. Please try again, or use another browser.";
}

function NoticeLine({ notice }: { notice: Notice }) {
  if (!notice) return null;
  return (
    <p
      role={notice.ok ? "status" : "alert"}
      className={`rounded-md p-3 text-sm ${notice.ok ? "bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100" : "bg-amber-50 text-amber-900 dark:bg-amber-950 dark:text-amber-100"}`}
    >
      {notice.text}
    </p>
  );
}

/** The security keys card: list, add (registration ceremony), remove (after a fresh factor). */
export function SecurityKeysPanel({
  keys,
  totpOn,
  begin,
  finish,
  beginCheck,
  remove,
}: {
  keys: SecurityKeyRow[];
  totpOn: boolean;
  begin: Action;
  finish: Action;
  beginCheck: Action;
  remove: Action;
}) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [nameError, setNameError] = useState<string | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [codeError, setCodeError] = useState<string | null>(null);

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const name = String(new FormData(form).get("name") ?? "");
    setPending(true);
    setNotice(null);
    setNameError(null);
    try {
      const started = await begin({}, formData({ name }));
      const options = started.data?.options as PublicKeyCredentialCreationOptionsJSON | undefined;
      if (!started.ok || !options) {
        setNameError(started.fieldErrors?.name ?? null);
        if (started.message && !started.fieldErrors?.name) setNotice({ ok: false, text: started.message });
        return;
      }
      let response;
      try {
        response = await startRegistration({ optionsJSON: options });
      } catch (err) {
        setNotice({ ok: false, text: ceremonyMessage(err, true) });
        return;
      }
      const finished = await finish({}, formData({ name, response: JSON.stringify(response) }));
      setNotice({ ok: Boolean(finished.ok), text: finished.message ?? finished.fieldErrors?.name ?? "The security key could not be added." });
      if (finished.ok) {
        form.reset();
        setRecoveryCodes((finished.data?.recoveryCodes as string[] | undefined) ?? null);
        router.refresh();
      }
    } finally {
      setPending(false);
    }
  }

  async function removeWith(credentialId: string, proof: { response: string } | { code: string }) {
    const result = await remove({}, formData({ credentialId, ...proof }));
    if (result.ok) {
      setConfirming(null);
      setNotice({ ok: true, text: result.message ?? "Security key removed." });
      router.refresh();
      return;
    }
    setCodeError(result.fieldErrors?.code ?? null);
    if (result.message) setNotice({ ok: false, text: result.message });
  }

  async function confirmWithKey(credentialId: string) {
    setPending(true);
    setNotice(null);
    setCodeError(null);
    try {
      const started = await beginCheck({}, new FormData());
      const options = started.data?.options as PublicKeyCredentialRequestOptionsJSON | undefined;
      if (!started.ok || !options) {
        setNotice({ ok: false, text: started.message ?? "Please try again." });
        return;
      }
      let response;
      try {
        response = await startAuthentication({ optionsJSON: options });
      } catch (err) {
        setNotice({ ok: false, text: ceremonyMessage(err, false) });
        return;
      }
      await removeWith(credentialId, { response: JSON.stringify(response) });
    } finally {
      setPending(false);
    }
  }

  async function confirmWithCode(event: FormEvent<HTMLFormElement>, credentialId: string) {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get("code") ?? "").trim();
    setPending(true);
    setNotice(null);
    setCodeError(null);
    try {
      await removeWith(credentialId, { code });
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="flex flex-col gap-4">
      {keys.length === 0 ? (
        <p className="text-sm">No security keys yet. A key you touch to sign in cannot be phished or read off a screen.</p>
      ) : (
        <ul className={dividedListClass} data-testid="security-key-list">
          {keys.map((key) => (
            <li key={key.id} className="py-3" data-testid="security-key-row">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <div>
                  <p className="font-medium">{key.name}</p>
                  <p className={mutedTextClass}>
                    Added {key.added} · {key.lastUsed ? `last used ${key.lastUsed}` : "not used yet"}
                  </p>
                </div>
                {confirming !== key.id && (
                  <button
                    type="button"
                    className={dangerOutlineButtonClass}
                    disabled={pending}
                    aria-label={`Remove ${key.name}`}
                    onClick={() => {
                      setConfirming(key.id);
                      setNotice(null);
                      setCodeError(null);
                    }}
                  >
                    Remove
                  </button>
                )}
              </div>
              {confirming === key.id && (
                <div role="group" aria-label={`Confirm removing ${key.name}`} className="mt-3 flex flex-col gap-3 rounded-md border border-slate-200 p-4 dark:border-slate-700">
                  <p className="text-sm">
                    To remove “{key.name}”, confirm it is you: touch one of your security keys, or enter {totpOn ? "a code from your authenticator app or " : ""}a
                    recovery code.
                  </p>
                  <div>
                    <button type="button" className={primaryButtonClass} disabled={pending} onClick={() => void confirmWithKey(key.id)}>
                      Confirm with a security key
                    </button>
                  </div>
                  <form onSubmit={(e) => void confirmWithCode(e, key.id)} className="flex flex-col gap-2" noValidate>
                    <label htmlFor={`remove-code-${key.id}`} className="block text-sm font-medium">
                      {totpOn ? "Or a code from your app, or a recovery code" : "Or a recovery code"}
                    </label>
                    <input
                      id={`remove-code-${key.id}`}
                      name="code"
                      autoComplete="one-time-code"
                      required
                      aria-invalid={codeError ? true : undefined}
                      aria-describedby={codeError ? `remove-code-${key.id}-error` : undefined}
                      className={inputClass}
                    />
                    {codeError && (
                      <p id={`remove-code-${key.id}-error`} className="text-sm text-red-700 dark:text-red-400">
                        {codeError}
                      </p>
                    )}
                    <div className="flex flex-wrap gap-2">
                      <button type="submit" className={dangerOutlineButtonClass} disabled={pending}>
                        Remove with this code
                      </button>
                      <button type="button" className={smallButtonClass} disabled={pending} onClick={() => setConfirming(null)}>
                        Cancel
                      </button>
                    </div>
                  </form>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}

      <NoticeLine notice={notice} />

      {recoveryCodes && (
        <div role="status" className="flex flex-col gap-3">
          <p className="text-sm">
            Save these recovery codes somewhere safe. Each one signs you in once if you lose your security key. They are shown only now.
          </p>
          <ul data-testid="recovery-codes" className="grid grid-cols-2 gap-2 font-mono text-sm">
            {recoveryCodes.map((c) => (
              <li key={c} className="rounded bg-slate-100 px-2 py-1 dark:bg-slate-800">
                {c}
              </li>
            ))}
          </ul>
        </div>
      )}

      <form onSubmit={(e) => void add(e)} className="flex flex-col gap-4" noValidate>
        <div>
          <label htmlFor="security-key-name" className="block text-sm font-medium">
            Name of the new key
          </label>
          <input
            id="security-key-name"
            name="name"
            required
            maxLength={64}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={nameError ? "security-key-name-error" : "security-key-name-hint"}
            className={inputClass}
          />
          {nameError ? (
            <p id="security-key-name-error" className={fieldErrorClass}>
              {nameError}
            </p>
          ) : (
            <p id="security-key-name-hint" className="mt-1 text-xs text-slate-500 dark:text-slate-400">
              So you can tell your keys apart, for example “Blue YubiKey”.
            </p>
          )}
        </div>
        <div>
          <button type="submit" className={primaryButtonClass} disabled={pending}>
            {pending ? "Please wait…" : "Add a security key"}
          </button>
        </div>
      </form>
    </div>
  );
}
