import { parseConfig } from "@/lib/config";
import { openDatabase } from "@/lib/db/client";
import { setOrganizationSuspended, setUserDisabled } from "@/lib/tenancy/breach";
import { runCli } from "./lib/cli";

const usage = "Usage: npm run breach -- disable-user|enable-user <email> | suspend-org|unsuspend-org <slug>";

/** Breach switches for when the web console is out of reach. Each is recorded and reversible. */
runCli(async () => {
  const [command, subject] = process.argv.slice(2);
  if (!command || !subject) throw new Error(usage);
  const handle = await openDatabase(parseConfig().database);
  try {
    const actor = { kind: "system" } as const;
    if (command === "disable-user" || command === "enable-user") await setUserDisabled(handle.db, actor, subject, command === "disable-user");
    else if (command === "suspend-org" || command === "unsuspend-org") await setOrganizationSuspended(handle.db, actor, subject, command === "suspend-org");
    else throw new Error(usage);
  } finally {
    await handle.close();
  }
  console.log(`Done: ${command} ${subject}`);
});
