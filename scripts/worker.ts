import { parseConfig } from "@/lib/config";
import { openDatabase } from "@/lib/db/client";
import { startBackgroundWork } from "@/lib/jobs/background";
import { runCli } from "./lib/cli";

/** Self-hosted: background jobs in their own process (start the app with RAMPART_BACKGROUND=off). */
runCli(async () => {
  const config = parseConfig();
  if (config.embedded) throw new Error("The embedded database runs its jobs inside the app (npm start); a separate worker needs DATABASE_URL.");
  const handle = await openDatabase(config.database);
  const work = startBackgroundWork(handle.db, config);
  console.log("Worker running: key rotations, audit archives and hourly chores. Ctrl+C to stop.");
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
  });
  await work.stop();
  await handle.close();
});
