import path from "node:path";
import { parseArgs } from "node:util";
import { backupStore, restoreBackup, loadBackupKey, type RestoreTarget } from "@/lib/backup";
import { isBackupId } from "@/lib/backup/manifest";
import { recordAuditEvent } from "@/lib/audit/record";
import { parseConfig } from "@/lib/config";
import { createBlobStore, createLocalBlobStore } from "@/lib/storage";
import { runCli } from "./lib/cli";

const usage = `Usage: npm run restore -- <backup id> --into <postgres://… URL | empty data directory> [--from <backup directory>]

Restores a backup into an EMPTY PostgreSQL database or an empty (or new) PGlite data directory,
never over data. The whole backup is decrypted and checked against its manifest before the target
is touched; after loading, row counts, every audit chain and a sample of sealed values are verified.
Needs the backup key, the master keys that wrapped the campaign keys, and the blob store holding
the campaigns' backup escrow keys. Campaigns deleted since the backup come back unreadable.`;

runCli(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { into: { type: "string" }, from: { type: "string" }, help: { type: "boolean", default: false } },
  });
  if (values.help) return console.log(usage);
  const [id] = positionals;
  if (!id || !isBackupId(id) || !values.into) throw new Error(`Give a backup id and --into.\n${usage}`);
  const config = parseConfig();
  const target: RestoreTarget = /^postgres(ql)?:\/\//.test(values.into) ? { kind: "url", url: values.into } : { kind: "dir", dir: path.resolve(values.into) };
  const { report, handle } = await restoreBackup({
    source: { store: values.from ? createLocalBlobStore(path.resolve(values.from)) : backupStore(config), id },
    target,
    backupKey: loadBackupKey(config),
    blobs: createBlobStore(config.blob),
  });
  try {
    await recordAuditEvent(handle.db, {
      actor: { kind: "system" },
      action: "backup.restored",
      target: { type: "backup", id },
      metadata: { rows: report.rows, shreddedCampaigns: report.shreddedCampaigns.length },
    });
  } finally {
    await handle.close();
  }
  console.log(
    `Restored backup ${id}: ${report.rows} rows, ${report.chains} audit chains verified (${report.events} events), ${report.sealedValuesOpened} sealed values opened.` +
      (report.shreddedCampaigns.length ? ` Deleted since the backup, unreadable: ${report.shreddedCampaigns.join(", ")}.` : ""),
  );
});
