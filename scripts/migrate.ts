import { parseConfig } from "@/lib/config";
import { openDatabase } from "@/lib/db/client";
import { runCli } from "./lib/cli";

/** Applies pending migrations. The embedded database refuses while the app holds it (the app migrates itself on start). */
runCli(async () => {
  const config = parseConfig();
  const handle = await openDatabase(config.database);
  await handle.close();
  console.log(`Migrations are up to date (${handle.driver}).`);
});
