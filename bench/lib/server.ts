import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { buildIfNeeded } from "../../scripts/lib/build";

export type BenchServer = {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Seconds from spawn until /api/health answered 200. */
  startSeconds: number;
  /** Whether this run had to build first. */
  built: boolean;
  /** The header value bench-only data routes ask for (x-rampart-bench-secret), fresh for each server. */
  benchSecret: string;
  stop(): Promise<void>;
};

/** Variables that would point the server at something other than a fresh embedded database. */
const EXTERNAL = ["DATABASE_URL", "DATABASE_DRIVER", "NEON_WS_PROXY", "REDIS_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "BLOB_READ_WRITE_TOKEN", "RAMPART_MASTER_KEYS", "AUTH_SECRET", "PORT", "HOST"];

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * A production server of this checkout on a free loopback port, in its own process group, with a fresh
 * embedded database in a temporary directory (removed again by stop()). Builds first when the sources changed.
 */
export async function startProductionServer(
  say: (line: string) => void,
  root = process.cwd(),
  overrides: Record<string, string> = {},
  /** Options for the server's node process (e.g. --cpu-prof, which NODE_OPTIONS may not carry). */
  nodeArgs: string[] = [],
): Promise<BenchServer> {
  const buildStart = performance.now();
  const built = buildIfNeeded(say, root);
  if (built) say(`built in ${((performance.now() - buildStart) / 1000).toFixed(0)} s`);

  const port = await freeLoopbackPort();
  const origin = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-bench-"));
  const benchSecret = randomBytes(24).toString("hex");
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of EXTERNAL) delete env[name];
  Object.assign(env, {
    RAMPART_BENCH: "1",
    RAMPART_BENCH_SECRET: benchSecret,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    LOG_LEVEL: "warn",
    RAMPART_DATA_DIR: dataDir,
    RAMPART_DEMO: "0",
    APP_URL: origin,
    ...overrides,
  });

  const command = nodeArgs.length ? process.execPath : path.join(root, "node_modules", ".bin", "next");
  const args = ["start", "-p", String(port), "-H", "127.0.0.1"];
  const child: ChildProcess = spawn(command, nodeArgs.length ? [...nodeArgs, path.join(root, "node_modules", "next", "dist", "bin", "next"), ...args] : args, {
    cwd: root,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start next");

  // The server's own output is only shown when it fails to come up.
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 40));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );

  // Never leave the server behind, whatever ends this process.
  const onExit = () => killGroup(pid, "SIGKILL");
  const onSignal = (signal: NodeJS.Signals) => {
    killGroup(pid, "SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(pid, "SIGTERM");
    await Promise.race([exitedPromise, sleep(5000)]);
    for (let i = 0; i < 20 && alive(pid); i++) await sleep(100);
    if (alive(pid)) killGroup(pid, "SIGKILL");
    process.off("exit", onExit);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  const started = performance.now();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`${origin}/api/health`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      if (res.ok) return { origin, startSeconds: Math.round((performance.now() - started) / 100) / 10, built, benchSecret, stop };
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  await stop();
  throw new Error(`the server did not report healthy at ${origin}/api/health${exited ? " (it exited)" : " within 120 s"}; its last output:\n${tail.join("\n")}`);
}
