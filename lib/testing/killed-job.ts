import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DatabaseConfig } from "@/lib/config";
import { openDatabase, type Database, type DatabaseHandle } from "@/lib/db/client";
import { runNextJob, type JobHandler } from "@/lib/jobs/runner";
import { afterSteps } from "@/lib/testing/job-steps";
import { createTestDatabase, type TestBackend } from "./databases";

/**
 * Kill tests of resumable jobs (data-key rotation, imports): a child process runs one job and SIGKILLs itself right
 * after a given number of committed steps — a real crash, nothing cleaned up — and the test resumes it.
 */
const root = path.resolve(import.meta.dirname, "..", "..");

export type KilledJobArgs = { database: DatabaseConfig; blobDir: string; killAfterSteps: number };

/** Parent side: runs `script` (a path from the project root) with the arguments; resolves with the signal that ended it. */
function runUntilKilled(script: string, args: KilledJobArgs): Promise<NodeJS.Signals | null> {
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

/** A database the test and its child process both reach, and the blob directory beside it. */
export type KillTestDatabase = {
  readonly db: Database;
  blobDir: string;
  /** Runs `script` until it kills itself; PGlite's handle is closed meanwhile (one process at a time) and reopened after. */
  runUntilKilled(script: string, killAfterSteps: number): Promise<NodeJS.Signals | null>;
  close(): Promise<void>;
};

/** A PGlite directory of its own, or a new database on the server (the child reaches it directly; this process keeps its driver). */
export async function openKillTestDatabase(backend: TestBackend): Promise<KillTestDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-kill-"));
  const server = backend === "pglite" ? undefined : await createTestDatabase(backend);
  const database: DatabaseConfig = server ? { kind: "pg", url: server.url! } : { kind: "pglite", dataDir: path.join(dir, "db") };
  let handle: DatabaseHandle = server ?? (await openDatabase(database));
  const blobDir = path.join(dir, "blobs");
  return {
    get db() {
      return handle.db;
    },
    blobDir,
    async runUntilKilled(script, killAfterSteps) {
      if (!server) await handle.close();
      try {
        return await runUntilKilled(script, { database, blobDir, killAfterSteps });
      } finally {
        // The dead child's lock is taken over.
        if (!server) handle = await openDatabase(database);
      }
    },
    async close() {
      await (server ? server.drop() : handle.close().catch(() => undefined));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Child side: runs the next job of `kind` with `handler`, dying after `killAfterSteps` committed steps. */
export async function runJobAndDie(kind: string, makeHandler: (args: KilledJobArgs) => JobHandler): Promise<void> {
  try {
    const args = JSON.parse(process.argv[2]!) as KilledJobArgs;
    const handle = await openDatabase(args.database);
    const killing = afterSteps(makeHandler(args), args.killAfterSteps, () => process.kill(process.pid, "SIGKILL"));
    await runNextJob(handle.db, { handlers: { [kind]: killing } });
    process.stdout.write("finished without being killed\n");
    await handle.close();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
