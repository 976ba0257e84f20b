import { parseConfig } from "@/lib/config";
import { openDatabase } from "@/lib/db/client";
import { demoAccounts, seedDemoExplicitly } from "@/db/seed/demo";
import { runCli } from "./lib/cli";

/** Loads the demo campaigns and accounts into an empty database, and refuses any other. */
runCli(async () => {
  const config = parseConfig();
  const handle = await openDatabase(config.database);
  try {
    await seedDemoExplicitly(handle, config.demo.password);
  } finally {
    await handle.close();
  }
  console.log(`Demo data loaded (${handle.driver}): ${demoAccounts.map((a) => a.email).join(", ")}`);
});
