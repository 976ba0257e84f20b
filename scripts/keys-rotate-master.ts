import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { type Config, parseConfig } from "@/lib/config";
import { rotateMasterKeys } from "@/lib/crypto/master-rotation";
import { recordAuditEvent } from "@/lib/audit";
import { organizations } from "@/db/schema";
import { withSystem } from "@/lib/db/tenant";
import { openDatabase } from "@/lib/db/client";
import { embeddedKeyFile, ensureEmbeddedSecrets } from "@/lib/keys";
import { runCli } from "./lib/cli";

const usage = `Usage: npm run keys:rotate-master [-- --generate]

Re-wraps every organisation's keys under the newest master key (the first in RAMPART_MASTER_KEYS,
or in the embedded key file). Add the new key in front of the old one first; remove the old one
only after this reports that nothing uses it any more (and after the backups that need it expire).
  --generate   embedded mode only: add a freshly generated master key to the key file first`;

/** Puts a new random master key first in the embedded key file (written atomically, mode 0600). */
function addEmbeddedMasterKey(config: Config): string {
  const file = embeddedKeyFile(config);
  ensureEmbeddedSecrets(config);
  const content = JSON.parse(fs.readFileSync(file, "utf8")) as { masterKeys: Array<{ id: string; key: string; createdAt: string }> };
  const taken = new Set(content.masterKeys.map((k) => k.id));
  let n = content.masterKeys.length + 1;
  while (taken.has(`k${n}`)) n++;
  const id = `k${n}`;
  content.masterKeys.unshift({ id, key: randomBytes(32).toString("base64"), createdAt: new Date().toISOString() });
  const temp = path.join(path.dirname(file), `.master-keys.${process.pid}.tmp`);
  fs.writeFileSync(temp, JSON.stringify(content, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  fs.renameSync(temp, file);
  return id;
}

runCli(async () => {
  const { values } = parseArgs({ options: { generate: { type: "boolean", default: false }, help: { type: "boolean", default: false } } });
  if (values.help) return console.log(usage);
  const config = parseConfig();
  if (values.generate && (!config.embedded || process.env.RAMPART_MASTER_KEYS))
    throw new Error("--generate only applies to the embedded key file; with RAMPART_MASTER_KEYS, put the new id:key first in that variable");
  // Open first: with the embedded database this refuses while the app holds it, before anything changes.
  const handle = await openDatabase(config.database);
  try {
    if (values.generate) console.log(`Generated master key ${addEmbeddedMasterKey(config)} in ${embeddedKeyFile(config)}`);
    const result = await rotateMasterKeys(handle.db, (done, total) => {
      if (done === total || done % 100 === 0) console.log(`  ${done}/${total} organisations`);
    });
    console.log(`Re-wrapped ${result.rewrapped} keys of ${result.organizations} organisations under master key ${result.newest}.`);
    // Each campaign's feed shows that its keys were re-wrapped (key ids only).
    const orgIds = await withSystem(handle.db, (tx) => tx.select({ id: organizations.id }).from(organizations));
    for (const { id } of orgIds)
      await recordAuditEvent(handle.db, { orgId: id, actor: { kind: "system" }, action: "key.master_rotated", metadata: { toKeyId: result.newest } });
    const others = Object.keys(result.usage).filter((id) => id !== result.newest);
    if (others.length) console.log(`Still in use: ${others.join(", ")} (run again).`);
    else console.log("No live key uses an older master key; older ones may be removed once backups made with them have expired.");
  } finally {
    await handle.close();
  }
});
