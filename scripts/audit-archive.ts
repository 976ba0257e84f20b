import { parseArgs } from "node:util";
import { archiveAllExpiredEvents } from "@/lib/audit";
import { createOrgKeyArchiveSealer } from "@/lib/audit/sealers";
import { parseConfig } from "@/lib/config";
import { openDatabase } from "@/lib/db/client";
import { createBlobStore } from "@/lib/storage";
import { runCli } from "./lib/cli";

const usage = `Usage: npm run audit:archive

Moves audit events older than each organisation's hot window (default 14 days) into encrypted
archives in the file store, then removes them from the database. For a daily cron when no job
runner schedules it. The embedded database refuses while the app is running.`;

runCli(async () => {
  const { values } = parseArgs({ options: { help: { type: "boolean", default: false } } });
  if (values.help) return console.log(usage);
  const config = parseConfig();
  const handle = await openDatabase(config.database);
  try {
    const blobs = createBlobStore(config.blob);
    const sweep = await archiveAllExpiredEvents(handle.db, blobs, createOrgKeyArchiveSealer(handle.db));
    for (const run of sweep.runs.filter((r) => r.events > 0)) {
      console.log(`${run.orgId ?? "account events"}: ${run.events} events older than ${run.retentionDays} days archived in ${run.archives.length} file(s)`);
    }
    for (const f of sweep.failures) console.error(`${f.orgId ?? "account events"}: FAILED: ${f.error}`);
    console.log(`Archived ${sweep.runs.reduce((n, r) => n + r.events, 0)} events across ${sweep.runs.length} chains.`);
    if (sweep.failures.length) process.exitCode = 1;
  } finally {
    await handle.close();
  }
});
