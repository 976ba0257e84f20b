import { parseArgs } from "node:util";
import { eq } from "drizzle-orm";
import { organizations } from "@/db/schema/organizations";
import { parseConfig } from "@/lib/config";
import { ROTATE_DATA_KEY_JOB, getKeyRotationProgress, rotateDataKeyHandler, startDataKeyRotation } from "@/lib/crypto/rotation";
import { openDatabase } from "@/lib/db/client";
import { withSystem } from "@/lib/db/tenant";
import { runJobsUntilIdle } from "@/lib/jobs/runner";
import { createBlobStore } from "@/lib/storage";
import { runCli } from "./lib/cli";

const usage = `Usage: npm run keys:rotate-data -- --org <slug>

Rotates one organisation's data key: new writes use a new key at once, this process then runs the
re-encryption job to the end (resuming one that was interrupted) and retires the old key.`;

runCli(async () => {
  const { values } = parseArgs({ options: { org: { type: "string" }, help: { type: "boolean", default: false } } });
  if (values.help || !values.org) return console.log(usage);
  const config = parseConfig();
  const handle = await openDatabase(config.database);
  try {
    const [org] = await withSystem(handle.db, (tx) => tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, values.org!)));
    if (!org) throw new Error(`No organisation with the slug "${values.org}"`);
    const started = await startDataKeyRotation(handle.db, org.id);
    console.log(started.started ? `Data key version ${started.version} is active; re-encrypting…` : `Resuming the rotation to version ${started.version}…`);
    const handlers = { [ROTATE_DATA_KEY_JOB]: rotateDataKeyHandler(createBlobStore(config.blob)) };
    await runJobsUntilIdle(handle.db, { handlers });
    const p = await getKeyRotationProgress(handle.db, org.id);
    if (p.state !== "succeeded") throw new Error(`The rotation is ${p.state} (${p.done}/${p.total}${p.lastError ? `, last error ${p.lastError}` : ""}); run this again to resume`);
    console.log(`Done: ${p.done} values and files re-encrypted under version ${p.activeVersion}; older versions retired.`);
  } finally {
    await handle.close();
  }
});
