import { spawn } from "node:child_process";
import path from "node:path";
import type { DatabaseConfig } from "@/lib/config";
import { openDatabase } from "@/lib/db/client";
import { runNextJob, type JobHandler } from "@/lib/jobs/runner";

/**
 * Kill tests of resumable jobs (data-key rotation, imports): a child process runs one job and SIGKILLs itself right
 * after a given number of committed steps — a real crash, nothing cleaned up — and the test resumes it.
 */
const root = path.resolve(import.meta.dirname, "..", "..");

export type KilledJobArgs = { database: DatabaseConfig; blobDir: string; killAfterSteps: number };

/** Parent side: runs `script` (a path from the project root) with the arguments; resolves with the signal that ended it. */
export function runUntilKilled(script: string, args: KilledJobArgs): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, "node_modules", ".bin", "tsx"), ["--conditions=react-server", path.join(root, script), JSON.stringify(args)], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    // tsx runs the script in a node child of its own and relays that child's death as exit code 128 + 9.
    child.once("exit", (code, signal) => (signal || code === 137 ? resolve(signal ?? "SIGKILL") : reject(new Error(`child exited ${code}: ${output.slice(0, 500)}`))));
  });
}

/** Child side: runs the next job of `kind` with `handler`, dying after `killAfterSteps` committed steps. */
export async function runJobAndDie(kind: string, makeHandler: (args: KilledJobArgs) => JobHandler): Promise<void> {
  try {
    const args = JSON.parse(process.argv[2]!) as KilledJobArgs;
    const handle = await openDatabase(args.database);
    const inner = makeHandler(args);
    let steps = 0;
    const killing: JobHandler = (job, ctx) =>
      inner(job, {
        ...ctx,
        step: async (fn) => {
          const result = await ctx.step(fn);
          if (++steps === args.killAfterSteps) process.kill(process.pid, "SIGKILL");
          return result;
        },
      });
    await runNextJob(handle.db, { handlers: { [kind]: killing } });
    process.stdout.write("finished without being killed\n");
    await handle.close();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
