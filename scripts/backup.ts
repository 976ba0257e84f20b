import { parseArgs } from "node:util";
import { backupEnvironment, backupNow } from "@/lib/backup";
import { parseConfig } from "@/lib/config";
import { openDatabase } from "@/lib/db/client";
import { DatabaseInUseError } from "@/lib/db/lock";
import { runCli } from "./lib/cli";

const usage = `Usage: npm run backup

Writes an encrypted, transaction-consistent backup of the database (with its signed manifest) to
RAMPART_BACKUP_DIR or the blob store under backups/. Check it with npm run backup:verify.
The embedded database is held by the running app, which takes a backup every day itself.`;

runCli(async () => {
  const { values } = parseArgs({ options: { help: { type: "boolean", default: false } } });
  if (values.help) return console.log(usage);
  const config = parseConfig();
  const handle = await openDatabase(config.database).catch((err: unknown) => {
    if (err instanceof DatabaseInUseError)
      throw new Error(
        `The running app (process ${err.pid}) holds the embedded database and takes the daily backup itself; use "Back up now" on /staff, or stop the app and run this again.`,
      );
    throw err;
  });
  try {
    const manifest = await backupNow(backupEnvironment(handle, config));
    const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
    console.log(`Backup ${manifest.id}: ${rows} rows in ${manifest.tables.length} tables, ${manifest.ciphertext.bytes} bytes encrypted (sha256 ${manifest.ciphertext.sha256}).`);
  } finally {
    await handle.close();
  }
});
