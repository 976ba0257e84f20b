import { parseArgs } from "node:util";
import { describeBrokenLink, verifyAuditChains } from "@/lib/audit";
import { createOrgKeyArchiveSealer } from "@/lib/audit/sealers";
import { parseConfig } from "@/lib/config";
import { openDatabase } from "@/lib/db/client";
import { createBlobStore } from "@/lib/storage";
import { runCli } from "./lib/cli";
import { isUuid } from "@/lib/validation/ids";

const usage = `Usage: npm run audit:verify [-- --org <organisation id> | --account (every account chain)] [--links-only] [--json]

Walks the audit log's hash chains (each organisation's and the account chains), archives first, then
the events still in the database, and reports the first broken link of each. Exit code 1 when any
chain is broken. --links-only checks archives by their recorded links without decrypting them.
The embedded database refuses while the app is running (stop it first).`;

runCli(async () => {
  const { values } = parseArgs({
    options: {
      org: { type: "string" },
      account: { type: "boolean", default: false },
      "links-only": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return console.log(usage);
  if (values.org !== undefined && !isUuid(values.org)) throw new Error("--org takes an organisation id (a UUID)");
  const config = parseConfig();
  const handle = await openDatabase(config.database);
  try {
    const blobs = createBlobStore(config.blob);
    const report = await verifyAuditChains(handle.db, {
      orgId: values.account ? null : values.org,
      archives: values["links-only"] ? undefined : { blobs, sealer: createOrgKeyArchiveSealer(handle.db) },
    });
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else {
      for (const chain of report.chains) console.log(describeBrokenLink(chain));
      const events = report.chains.reduce((n, c) => n + c.events, 0);
      console.log(
        report.ok
          ? `All ${report.chains.length} chains verify (${events} events).`
          : `${report.chains.filter((c) => !c.ok).length} of ${report.chains.length} chains are BROKEN.`,
      );
    }
    if (!report.ok) process.exitCode = 1;
  } finally {
    await handle.close();
  }
});
