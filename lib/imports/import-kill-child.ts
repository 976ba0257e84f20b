import type { DatabaseConfig } from "@/lib/config";
import { openDatabase } from "@/lib/db/client";
import { runNextJob, type JobHandler } from "@/lib/jobs/runner";
import { createLocalBlobStore } from "@/lib/storage";
import { importJobHandler } from "./jobs";
import { IMPORT_JOB } from "./service";

/**
 * Test helper run as a child process by import-kill.test.ts: runs the import job in batches of 5 rows and SIGKILLs
 * itself right after the given number of committed steps — a real crash, nothing cleaned up.
 */
async function main(): Promise<void> {
  const { database, blobDir, killAfterSteps } = JSON.parse(process.argv[2]!) as { database: DatabaseConfig; blobDir: string; killAfterSteps: number };
  const handle = await openDatabase(database);
  const inner = importJobHandler(createLocalBlobStore(blobDir), { batchRows: 5 });
  let steps = 0;
  const killing: JobHandler = (job, ctx) =>
    inner(job, {
      ...ctx,
      step: async (fn) => {
        const result = await ctx.step(fn);
        if (++steps === killAfterSteps) process.kill(process.pid, "SIGKILL");
        return result;
      },
    });
  await runNextJob(handle.db, { handlers: { [IMPORT_JOB]: killing } });
  process.stdout.write("finished without being killed\n");
  await handle.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
