import "server-only";
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { parseConfig } from "@/lib/config";
import { lowerPriority } from "@/lib/priority";
import { createLocalBlobStore, createBlobStore, type BlobStore } from "@/lib/storage";
import { RestoreRefusedError, RestoreVerificationError } from "./errors";
import { restoreBackup, type RestoreReport } from "./restore";
import { backupStore } from "./run";

/**
 * The restore test in a child process. A restore builds a scratch PGlite database (initdb, migrations, the load, the
 * audit chains and sealed values checked): seconds of one thread's work, and a server on the embedded database has
 * exactly one thread for every request. Measured (bench/login.ts --cpu-prof): the first daily backup's restore test
 * held the server's thread ≈2.2 s in the middle of a sign-in flood. So a long-lived server (in-process jobs or
 * `npm run worker`) runs it here instead; the cron route, which has no server to keep responsive, runs it in-process.
 *
 * The child reads its input on stdin (the backup key goes through the pipe, never argv or the environment), takes the
 * master keys and stores from the same configuration as its parent, opens only the scratch database, and answers one
 * JSON line on stdout.
 */
export type RestoreTestInput = {
  backupId: string;
  /** The scratch database directory (must not exist yet). */
  dir: string;
  backupKey: Buffer;
  /** Local stores by directory (tests); by default the child builds them from the configuration, as the parent does. */
  stores?: { target: string; blobs: string };
};

const childInput = z.strictObject({
  backupId: z.string().min(1).max(200),
  dir: z.string().min(1),
  backupKey: z.base64(),
  stores: z.strictObject({ target: z.string().min(1), blobs: z.string().min(1) }).optional(),
});

type ChildAnswer = { ok: true; report: RestoreReport } | { ok: false; kind: "refused" | "verification" | "other"; message: string; problems?: string[] };

/** A restore test may take minutes on a large campaign; beyond this the child is killed and the test fails. */
const CHILD_TIMEOUT_MS = 30 * 60 * 1000;

function stores(input: z.infer<typeof childInput>): { target: BlobStore; blobs: BlobStore } {
  if (input.stores) return { target: createLocalBlobStore(input.stores.target), blobs: createLocalBlobStore(input.stores.blobs) };
  const config = parseConfig();
  return { target: backupStore(config), blobs: createBlobStore(config.blob) };
}

/** The child's side (scripts/restore-test-child.ts): one restore test, its answer as the last stdout line. */
export async function restoreTestChildMain(stdin: string): Promise<ChildAnswer> {
  try {
    const input = childInput.parse(JSON.parse(stdin));
    const { target, blobs } = stores(input);
    const { report, handle } = await restoreBackup({
      source: { store: target, id: input.backupId },
      target: { kind: "dir", dir: input.dir },
      backupKey: Buffer.from(input.backupKey, "base64"),
      blobs,
    });
    await handle.close();
    return { ok: true, report };
  } catch (err) {
    if (err instanceof RestoreVerificationError) return { ok: false, kind: "verification", message: err.message, problems: err.problems };
    if (err instanceof RestoreRefusedError) return { ok: false, kind: "refused", message: err.message };
    return { ok: false, kind: "other", message: (err instanceof Error ? err.message : String(err)).split("\n")[0]! };
  }
}

/** The parent's side: the same RestoreReport, or the same errors, as restoreBackup in this process would give. */
export function restoreTestInChildProcess(input: RestoreTestInput, options: { root?: string; onSpawn?: (pid: number) => void } = {}): Promise<RestoreReport> {
  const root = options.root ?? process.cwd();
  const tsx = path.join(root, "node_modules", ".bin", "tsx");
  const script = path.join(root, "scripts", "restore-test-child.ts");
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ["--conditions=react-server", script], { cwd: root, env: { ...process.env, LOG_LEVEL: "warn" }, stdio: ["pipe", "pipe", "pipe"] });
    // Background work: at the lowest CPU priority, so requests and sign-ins (argon2 takes a core) go first.
    if (child.pid !== undefined) {
      lowerPriority(child.pid, os.constants.priority.PRIORITY_LOW);
      options.onSpawn?.(child.pid);
    }
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (err = (err + c.toString("utf8")).slice(-2000)));
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`the restore test could not start (${e.message})`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      let answer: ChildAnswer;
      try {
        answer = JSON.parse(out.trim().split("\n").at(-1) ?? "") as ChildAnswer;
      } catch {
        const last = err.trim().split("\n").at(-1) ?? "";
        return reject(new Error(`the restore test process ended without an answer (${signal ?? `exit ${code}`})${last ? `: ${last.slice(0, 200)}` : ""}`));
      }
      if (answer.ok) return resolve(answer.report);
      if (answer.kind === "verification") return reject(new RestoreVerificationError(answer.problems ?? [answer.message]));
      if (answer.kind === "refused") return reject(new RestoreRefusedError(answer.message));
      reject(new Error(answer.message));
    });
    const { backupKey, ...rest } = input;
    child.stdin.end(JSON.stringify({ ...rest, backupKey: backupKey.toString("base64") }));
  });
}
