import { ActionButton } from "@/app/_components/action-button";
import { Card, mutedTextClass } from "@/app/_components/ui";
import { keyRotationProgressIn } from "@/lib/crypto/rotation";
import { listArchives } from "@/lib/audit";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { deleteCampaignAction, rotateDataKeyAction, updateSecuritySettingsAction } from "./actions";
import { ActionForm } from "@/app/_components/forms";
import { SecuritySettingsForm } from "./settings-form";

export const metadata = { title: "Campaign settings" };

export default async function OrgSettingsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "org:settings");
  const { rotation, archives } = await access.run(async (tx) => ({
    rotation: await keyRotationProgressIn(tx, access.org.id),
    archives: await listArchives(tx, { orgId: access.org.id, accountShard: 0 }),
  }));
  const running = rotation.state === "queued" || rotation.state === "running";
  return (
    <div className="flex max-w-2xl flex-col gap-6">
      <Card>
        <h1 className="mb-4 text-lg font-semibold">Security policy</h1>
        <SecuritySettingsForm action={updateSecuritySettingsAction} org={access.org.slug} settings={access.org.settings} />
      </Card>
      <Card>
        <h2 className="mb-2 text-lg font-semibold">Encryption key</h2>
        <p className={mutedTextClass}>
          Contact details, files and connection secrets are encrypted with this campaign&apos;s own key
          {rotation.activeVersion ? ` (version ${rotation.activeVersion})` : ""}. Rotating it re-encrypts everything in the background; the campaign keeps working meanwhile.
        </p>
        {running && (
          <div className="mt-4" data-testid="rotation-progress">
            <label htmlFor="rotation" className="text-sm font-medium">
              Re-encrypting: {rotation.done} of {rotation.total || "…"} ({rotation.percent}%)
            </label>
            <progress id="rotation" max={100} value={rotation.percent} className="mt-1 block w-full" />
            <p className="mt-1 text-xs text-slate-500">Reload the page to update the progress.</p>
          </div>
        )}
        {rotation.state === "succeeded" && rotation.finishedAt && (
          <p className="mt-3 text-sm">Last rotation finished {rotation.finishedAt.toISOString().slice(0, 16).replace("T", " ")} UTC.</p>
        )}
        {rotation.state === "failed" && <p className="mt-3 text-sm text-red-700">The last rotation stopped with an error; starting again resumes it.</p>}
        <div className="mt-4">
          <ActionButton action={rotateDataKeyAction} hidden={{ org: access.org.slug }} label="Rotate the encryption key" />
        </div>
      </Card>
      <Card>
        <h2 className="mb-2 text-lg font-semibold">Activity log archives</h2>
        <p className={mutedTextClass}>
          Activity older than {access.org.settings.auditRetentionDays} days moves into encrypted archives that still verify. Downloads are decrypted JSON lines, and each download is recorded.
        </p>
        {archives.length === 0 ? (
          <p className="mt-3 text-sm">No archives yet.</p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="archive-list">
            {archives.map((a) => (
              <li key={a.id} className="flex items-center justify-between py-2">
                <span>
                  {a.eventCount} events, archived {a.createdAt.toISOString().slice(0, 10)}
                </span>
                <a href={`/api/o/${access.org.slug}/audit-archives/${a.id}`} className="underline" download>
                  Download
                </a>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card className="border-red-300 dark:border-red-900">
        <h2 className="mb-2 text-lg font-semibold text-red-800 dark:text-red-300">Delete this campaign</h2>
        <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
          Its encryption keys are destroyed first, so its contacts, files and archived activity become unreadable everywhere, backups included.
          Everyone loses access at once. This cannot be undone.
        </p>
        <ActionForm
          action={deleteCampaignAction}
          hidden={{ org: access.org.slug }}
          submitLabel="Delete the campaign for good"
          danger
          fields={[{ name: "confirm", label: `Type ${access.org.slug} to confirm`, autoComplete: "off" }]}
        />
      </Card>
    </div>
  );
}
