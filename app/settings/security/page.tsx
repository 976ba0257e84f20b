import { ActionButton } from "@/app/_components/action-button";
import { ActionForm } from "@/app/_components/forms";
import { Card, PageHeading, dividedListClass, mutedTextClass } from "@/app/_components/ui";
import { requireSession } from "@/lib/auth/current";
import { describeAttack, listSignInHistory, outcomeLabels, signInAttackSummary } from "@/lib/auth/history";
import { remainingRecoveryCodes } from "@/lib/auth/recovery-codes";
import { getServices } from "@/lib/services";
import { listActiveSessions } from "@/lib/auth/sessions";
import { hasTotp } from "@/lib/auth/totp";
import { listSecurityKeys } from "@/lib/auth/webauthn";
import {
  beginSecurityKeyAction,
  beginSecurityKeyCheckAction,
  beginTotpAction,
  changePasswordAction,
  confirmTotpAction,
  disableTotpAction,
  finishSecurityKeyAction,
  removeSecurityKeyAction,
  revokeOtherSessionsAction,
  revokeSessionAction,
} from "./actions";
import { TotpEnrolment } from "./totp-panel";
import { FeedList } from "@/app/_components/live-feed";
import { loadAccountActivityFeed } from "@/lib/audit";
import { SecurityKeysPanel } from "./webauthn-panel";
import { loadApiTokenSettings } from "@/lib/api/settings";
import { ApiTokensPanel } from "./api-tokens-panel";
import { createApiTokenAction, renewApiTokenAction, revokeApiTokenAction } from "./api-token-actions";

export const metadata = { title: "Security" };

const when = (d: Date) => d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";

export default async function SecuritySettingsPage() {
  const current = await requireSession("/settings/security");
  const { db } = await getServices();
  const userId = current.user.id;
  const [sessions, history, attack, totpOn, recoveryLeft, securityKeys, accountFeed, apiCampaigns] = await Promise.all([
    listActiveSessions(db, userId),
    listSignInHistory(db, current.user),
    signInAttackSummary(db, current.user),
    hasTotp(db, userId),
    remainingRecoveryCodes(db, userId),
    listSecurityKeys(db, userId),
    loadAccountActivityFeed(db, userId, { limit: 20 }),
    loadApiTokenSettings(db, userId),
  ]);

  return (
    <div className="flex flex-col gap-6">
      <PageHeading title="Security" lead="Your password, two-step verification, where you are signed in, and every sign-in attempt." />

      <Card>
        <h2 className="mb-4 text-lg font-semibold">Password</h2>
        <ActionForm
          action={changePasswordAction}
          submitLabel="Change password"
          fields={[
            { name: "currentPassword", label: "Current password", type: "password", autoComplete: "current-password" },
            { name: "newPassword", label: "New password", type: "password", autoComplete: "new-password", hint: "Changing it signs out every other session." },
          ]}
        />
      </Card>

      <Card>
        <h2 className="mb-2 text-lg font-semibold">Two-step verification</h2>
        {totpOn ? (
          <div className="flex flex-col gap-3">
            <p className="text-sm">
              <span className="font-semibold text-emerald-700 dark:text-emerald-400">On.</span> Signing in needs a code from your authenticator app.
              You have {recoveryLeft} unused recovery code{recoveryLeft === 1 ? "" : "s"}.
            </p>
            <ActionForm
              action={disableTotpAction}
              submitLabel="Turn off two-step verification"
              fields={[{ name: "code", label: "A current code or a recovery code", autoComplete: "one-time-code" }]}
            />
          </div>
        ) : (
          <div className="flex flex-col gap-3">
            <p className="text-sm">Off. Add a second step so that a stolen password alone cannot open your account.</p>
            <TotpEnrolment begin={beginTotpAction} confirm={confirmTotpAction} />
          </div>
        )}
      </Card>

      <Card>
        <h2 className="mb-2 text-lg font-semibold">Security keys</h2>
        <p className="mb-4 text-sm">
          {securityKeys.length > 0
            ? "Signing in needs your password and a touch of one of these keys (or another step you have set up)."
            : "Use a hardware key or your device's built-in authenticator as a second step when you sign in."}
          {securityKeys.length > 0 && !totpOn && ` You have ${recoveryLeft} unused recovery code${recoveryLeft === 1 ? "" : "s"}.`}
        </p>
        <SecurityKeysPanel
          keys={securityKeys.map((k) => ({ id: k.id, name: k.name, added: when(k.createdAt), lastUsed: k.lastUsedAt ? when(k.lastUsedAt) : null }))}
          totpOn={totpOn}
          begin={beginSecurityKeyAction}
          finish={finishSecurityKeyAction}
          beginCheck={beginSecurityKeyCheckAction}
          remove={removeSecurityKeyAction}
        />
      </Card>

      <Card>
        <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
          <h2 className="text-lg font-semibold">Where you are signed in</h2>
          <ActionButton action={revokeOtherSessionsAction} label="Sign out everywhere else" />
        </div>
        <ul className={dividedListClass} data-testid="session-list">
          {sessions.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center justify-between gap-2 py-3" data-testid="session-row">
              <div>
                <p className="font-medium">
                  {s.deviceSummary}
                  {s.id === current.session.id && <span className="ml-2 rounded bg-brand-100 px-2 py-0.5 text-xs text-brand-800">This browser</span>}
                </p>
                <p className={mutedTextClass}>
                  Signed in {when(s.createdAt)} · last active {when(s.lastSeenAt)}
                </p>
              </div>
              <ActionButton action={revokeSessionAction} hidden={{ sessionId: s.id }} label="Sign out" variant="danger" />
            </li>
          ))}
        </ul>
      </Card>

      <Card>
        <h2 className="mb-2 text-lg font-semibold">API tokens</h2>
        <p className="mb-4 text-sm">
          A token lets a script or tool use one campaign through the <a className="underline" href="/docs/api">HTTP API</a> with the scopes you choose. It lasts
          24 hours; creating or renewing one asks for your password again.
        </p>
        <ApiTokensPanel
          campaigns={apiCampaigns.map((c) => ({
            orgId: c.orgId,
            slug: c.slug,
            name: c.name,
            role: c.role,
            scopes: c.scopes,
            tokens: c.tokens.map((t) => ({
              id: t.id,
              name: t.name,
              scopes: t.scopes,
              created: when(t.createdAt),
              expires: when(t.expiresAt),
              lastUsed: t.lastUsedAt ? when(t.lastUsedAt) : null,
              state: t.state,
            })),
          }))}
          create={createApiTokenAction}
          renew={renewApiTokenAction}
          revoke={revokeApiTokenAction}
        />
      </Card>

      <Card>
        <h2 className="mb-4 text-lg font-semibold">Account activity</h2>
        {accountFeed.items.length === 0 ? <p className="text-sm">Nothing recorded yet.</p> : <FeedList items={accountFeed.items} />}
      </Card>

      <Card>
        <h2 className="mb-4 text-lg font-semibold">Sign-in history</h2>
        {attack && (
          <p className="mb-4 text-sm" role="status" data-testid="sign-in-attack">
            {describeAttack(attack)} Browsers you have signed in with before still get in; if these were not you, your password held, and
            a longer one keeps it that way.
          </p>
        )}
        {history.length === 0 ? (
          <p className="text-sm">No sign-in attempts yet.</p>
        ) : (
          <table className="w-full text-left text-sm" data-testid="sign-in-history">
            <caption className="sr-only">Your recent sign-in attempts</caption>
            <thead>
              <tr className="border-b border-slate-200 dark:border-slate-700">
                <th scope="col" className="py-2 pr-4">When</th>
                <th scope="col" className="py-2 pr-4">Result</th>
                <th scope="col" className="py-2">Device</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <tr key={h.id} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
                  <td className="py-2 pr-4">{when(h.createdAt)}</td>
                  <td className="py-2 pr-4">{outcomeLabels[h.outcome] ?? h.outcome}</td>
                  <td className="py-2">{h.deviceSummary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
