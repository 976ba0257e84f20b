"use client";

import { useActionState, useId } from "react";
import { ActionButton } from "@/app/_components/action-button";
import { fieldErrorClass, inputClass, mutedTextClass, primaryButtonClass, secondaryButtonClass } from "@/app/_components/ui";
import type { FormState } from "@/lib/http/action";

type Action = (state: FormState, form: FormData) => Promise<FormState>;
export type TokenRow = { id: string; name: string; scopes: string[]; created: string; expires: string; lastUsed: string | null; state: "active" | "expired" | "revoked" };
export type CampaignRow = { orgId: string; slug: string; name: string; role: string; scopes: string[]; tokens: TokenRow[] };

/** The secret, once: selectable, with its expiry. */
function Secret({ state }: { state: FormState }) {
  if (!state.ok || typeof state.data?.secret !== "string") return null;
  return (
    <div role="status" className="mt-3 rounded border border-emerald-300 bg-emerald-50 p-3 text-sm dark:border-emerald-800 dark:bg-emerald-950">
      <p className="font-semibold">{state.message}</p>
      <code data-testid="api-token-secret" className="mt-2 block select-all break-all font-mono">
        {state.data.secret}
      </code>
      <p className={`mt-1 ${mutedTextClass}`}>Expires {String(state.data.expiresAt)}.</p>
    </div>
  );
}

/** Password and code fields: every token created or renewed here needs fresh authentication. */
function Reauth({ state, prefix }: { state: FormState; prefix: string }) {
  return (
    <>
      <label className="block text-sm font-medium" htmlFor={`${prefix}-password`}>
        Your password
        <input id={`${prefix}-password`} name="password" type="password" autoComplete="current-password" required className={inputClass} />
      </label>
      {state.fieldErrors?.password && <p className={fieldErrorClass}>{state.fieldErrors.password}</p>}
      <label className="block text-sm font-medium" htmlFor={`${prefix}-code`}>
        Two-step code (if you use one)
        <input id={`${prefix}-code`} name="code" autoComplete="one-time-code" className={inputClass} />
      </label>
    </>
  );
}

function CreateForm({ campaign, create }: { campaign: CampaignRow; create: Action }) {
  const [state, action, pending] = useActionState(create, {});
  const id = useId();
  return (
    <form action={action} className="mt-3 flex flex-col gap-3" aria-label={`New API token for ${campaign.name}`}>
      <input type="hidden" name="campaign" value={campaign.slug} />
      {state.message && !state.ok && <p role="alert" className="text-sm text-red-700">{state.message}</p>}
      <label className="block text-sm font-medium" htmlFor={`${id}-name`}>
        Token name
        <input id={`${id}-name`} name="name" required maxLength={80} className={inputClass} placeholder="e.g. Canvass spreadsheet" />
      </label>
      {state.fieldErrors?.name && <p className={fieldErrorClass}>{state.fieldErrors.name}</p>}
      <fieldset>
        <legend className="text-sm font-medium">Scopes (only those your role allows)</legend>
        <div className="mt-1 flex flex-wrap gap-3">
          {campaign.scopes.map((s) => (
            <label key={s} className="flex items-center gap-1 text-sm">
              <input type="checkbox" name={`scope:${s}`} /> <span className="font-mono">{s}</span>
            </label>
          ))}
        </div>
        {state.fieldErrors?.scopes && <p className={fieldErrorClass}>{state.fieldErrors.scopes}</p>}
      </fieldset>
      <Reauth state={state} prefix={id} />
      <button type="submit" className={primaryButtonClass} disabled={pending}>
        Create token (valid 24 hours)
      </button>
      <Secret state={state} />
    </form>
  );
}

function RenewForm({ token, renew }: { token: TokenRow; renew: Action }) {
  const [state, action, pending] = useActionState(renew, {});
  const id = useId();
  return (
    <details className="mt-2">
      <summary className="cursor-pointer text-sm underline">Renew {token.name}</summary>
      <form action={action} className="mt-2 flex flex-col gap-2">
        <input type="hidden" name="tokenId" value={token.id} />
        {state.message && !state.ok && <p role="alert" className="text-sm text-red-700">{state.message}</p>}
        <Reauth state={state} prefix={id} />
        <button type="submit" className={secondaryButtonClass} disabled={pending}>
          Renew for 24 hours
        </button>
        <Secret state={state} />
      </form>
    </details>
  );
}

export function ApiTokensPanel({ campaigns, create, renew, revoke }: { campaigns: CampaignRow[]; create: Action; renew: Action; revoke: Action }) {
  if (campaigns.length === 0) return <p className="text-sm">API tokens belong to a campaign. Join or create a campaign first.</p>;
  return (
    <div className="flex flex-col gap-6">
      {campaigns.map((c) => (
        <section key={c.orgId} aria-label={`API tokens for ${c.name}`}>
          <h3 className="font-semibold">
            {c.name} <span className={mutedTextClass}>({c.role})</span>
          </h3>
          {c.tokens.length === 0 ? (
            <p className={mutedTextClass}>No tokens yet. Create one below to use the HTTP API (see /docs/api).</p>
          ) : (
            <ul className="mt-2 flex flex-col gap-3" data-testid="api-token-list">
              {c.tokens.map((t) => (
                <li key={t.id} className="rounded border border-slate-200 p-3 dark:border-slate-800">
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <div>
                      <p className="font-medium">
                        {t.name} <span className={mutedTextClass}>· {t.state}</span>
                      </p>
                      <p className={mutedTextClass}>
                        {t.scopes.join(", ")} · created {t.created} · expires {t.expires} · {t.lastUsed ? `last used ${t.lastUsed}` : "never used"}
                      </p>
                    </div>
                    {t.state !== "revoked" && <ActionButton action={revoke} hidden={{ tokenId: t.id, campaign: c.orgId }} label="Revoke" ariaLabel={`Revoke ${t.name}`} variant="danger" announce />}
                  </div>
                  {t.state !== "revoked" && <RenewForm token={t} renew={renew} />}
                </li>
              ))}
            </ul>
          )}
          <CreateForm campaign={c} create={create} />
        </section>
      ))}
    </div>
  );
}
