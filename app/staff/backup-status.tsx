import { ActionForm } from "@/app/_components/forms";
import { Card } from "@/app/_components/ui";
import { getServices } from "@/lib/services";
import { backupHealth, readBackupStatus, type BackupStatus } from "@/lib/backup";
import { backUpNowAction } from "./actions";

const when = (o: BackupStatus["lastBackup"]) => (o ? `${o.at.slice(0, 16).replace("T", " ")} UTC${o.id ? ` (${o.id})` : ""}` : "never");

/** Backup status for platform staff: the last run, the last good backup, the last restore test, and a button to back up now. */
export async function BackupStatusCard() {
  const { db } = await getServices();
  const [status, health] = await Promise.all([readBackupStatus(db), backupHealth(db)]);
  const failed = [status.lastBackup, status.lastVerify].filter((o) => o && !o.ok);
  return (
    <Card>
      <h2 className="mb-4 text-lg font-semibold">Backups</h2>
      {health.status === "degraded" && (
        <p role="alert" className="mb-3 font-medium text-red-700">
          {health.lastOk ? `The last good backup is ${health.ageHours} hours old.` : "No backup has succeeded yet."}
        </p>
      )}
      {failed.map((o) => (
        <p key={o!.at} role="alert" className="mb-3 text-red-700">
          Failed {when(o)}: {o!.error}
        </p>
      ))}
      <dl className="mb-4 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt>Last good backup</dt>
        <dd>{when(status.lastOk)}</dd>
        <dt>Last restore test</dt>
        <dd>{status.lastVerify ? `${when(status.lastVerify)}: ${status.lastVerify.ok ? "passed" : "FAILED"}` : "never"}</dd>
      </dl>
      <ActionForm action={backUpNowAction} submitLabel="Back up now" fields={[]} />
    </Card>
  );
}
