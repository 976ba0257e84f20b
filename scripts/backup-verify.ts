import { parseArgs } from "node:util";
import { backupEnvironment, verifyBackup } from "@/lib/backup";
import { isBackupId } from "@/lib/backup/manifest";
import { parseConfig } from "@/lib/config";
import { openDatabase } from "@/lib/db/client";
import { runCli } from "./lib/cli";

const usage = `Usage: npm run backup:verify [-- --id <backup id>]

The restore test: restores the newest backup (or --id) into a scratch database in a temporary
directory, checks row counts against the manifest, every audit chain, and a sample of sealed
values with the keys, then throws the scratch database away. The outcome is recorded (shown on
/staff and /security); a failure notifies platform staff. Exit code 1 when it fails.`;

runCli(async () => {
  const { values } = parseArgs({ options: { id: { type: "string" }, help: { type: "boolean", default: false } } });
  if (values.help) return console.log(usage);
  if (values.id !== undefined && !isBackupId(values.id)) throw new Error("--id takes a backup id such as 20250101T030000Z-1a2b3c");
  const config = parseConfig();
  const handle = await openDatabase(config.database);
  try {
    const report = await verifyBackup(backupEnvironment(handle, config), values.id);
    console.log(
      `Backup ${report.id} restores and verifies: ${report.rows} rows in ${report.tables} tables, ${report.chains} audit chains (${report.events} events), ` +
        `${report.sealedValuesOpened} sealed values opened` +
        (report.shreddedCampaigns.length ? `; ${report.shreddedCampaigns.length} campaigns deleted since stay unreadable.` : "."),
    );
  } finally {
    await handle.close();
  }
});
