import "server-only";
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { lowerPriority } from "@/lib/priority";
import { verifyPassword } from "./password";

/**
 * argon2id checks of attempts from no recognised device, in a child process at a lower CPU priority than the server.
 *
 * Why: argon2id keeps a core busy for each check, and the verification pool (lib/auth/verify-pool.ts) already keeps one
 * slot for recognised devices, so a flood's checks run on one core and a real person's on the other. But on a 2-core
 * machine the server's own thread (every request, the flood's refusals included) shares those cores, and measured
 * (bench/login.ts) the person's check then took up to twice as long as idle. Here the flood's checks give way: the
 * scheduler runs the person's check and the server's thread first, and the flood's checks on what is left. When the
 * machine is idle, the child's checks run at full speed.
 *
 * The child (scripts/argon2-verify-child.mjs) gets no environment but PATH (no keys, no database), receives the hash
 * and the password over its IPC channel (never argv or the environment), and answers true or false. Where it cannot
 * start (no script on a serverless bundle, a platform that refuses fork), or it fails during a check, the check runs in
 * this process instead: a failure of the child never turns into a refusal or an acceptance of its own.
 */
export type BackgroundVerifierOptions = {
  /** The child's script; default scripts/argon2-verify-child.mjs under the working directory. */
  script?: string;
  /** The child's nice value (Linux: 0 is normal, 19 the lowest); never above this process's own priority. */
  niceness?: number;
  /** How long the child may take to start before checks run in process. */
  startTimeoutMs?: number;
  /** After the child failed to start or died, checks run in process this long before it is started again. */
  retryAfterMs?: number;
};

type Pending = { child: ChildProcess; resolve: (ok: boolean) => void; reject: (err: Error) => void };
type Answer = { id: number; ok?: boolean; error?: string } | { ready: true };

/** Below the server's priority, not the lowest: an ordinary sign-in on a busy, unattacked server still gets a share. */
export const BACKGROUND_NICENESS = 10;

export class BackgroundVerifier {
  private child: ChildProcess | null = null;
  private starting: Promise<ChildProcess | null> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private unavailableUntil = 0;
  private counts = { inChild: 0, inProcess: 0, childStarts: 0 };
  /** Bumped by close(): a child still starting from before it is not kept. */
  private generation = 0;

  constructor(private readonly options: BackgroundVerifierOptions = {}) {}

  /** Same answer as verifyPassword(hash, password): true only for the right password. */
  async verify(hash: string, password: string): Promise<boolean> {
    const child = await this.ensureChild();
    if (child) {
      try {
        const ok = await this.ask(child, hash, password);
        this.counts.inChild++;
        return ok;
      } catch {
        // The child went away or refused the message: check here instead.
      }
    }
    this.counts.inProcess++;
    return verifyPassword(hash, password);
  }

  /** Where checks ran, and how often the child was started. */
  get stats(): { inChild: number; inProcess: number; childStarts: number; childPid: number | null } {
    return { ...this.counts, childPid: this.child?.pid ?? null };
  }

  /** Stops the child (tests, shutdown); the next check starts it again. */
  close(): void {
    const child = this.child;
    this.child = null;
    this.starting = null;
    this.generation++;
    if (child) stopChild(child);
    this.failPending(new Error("The background verifier was closed"));
  }

  private ensureChild(): Promise<ChildProcess | null> {
    if (this.child?.connected) return Promise.resolve(this.child);
    if (Date.now() < this.unavailableUntil) return Promise.resolve(null);
    this.starting ??= this.start().finally(() => (this.starting = null));
    return this.starting;
  }

  private start(): Promise<ChildProcess | null> {
    const script = this.options.script ?? path.join(process.cwd(), "scripts", "argon2-verify-child.mjs");
    // A bundle without the script (a serverless function) checks in process for good, without a fork every retry.
    if (!fs.existsSync(script)) {
      this.unavailableUntil = Infinity;
      return Promise.resolve(null);
    }
    const generation = this.generation;
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = fork(script, [], { execArgv: [], env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" }, stdio: ["ignore", "ignore", "ignore", "ipc"], serialization: "json" });
      } catch {
        this.unavailable();
        resolve(null);
        return;
      }
      let settled = false;
      const settle = (ready: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (ready && generation === this.generation) {
          this.child = child;
          this.counts.childStarts++;
          this.idle(child);
          resolve(child);
        } else {
          if (!ready) this.unavailable();
          stopChild(child);
          resolve(null);
        }
      };
      const timer = setTimeout(() => settle(false), this.options.startTimeoutMs ?? 5000);
      timer.unref();
      child.on("error", () => {
        if (!settled) settle(false);
        else this.gone(child);
      });
      child.on("exit", () => {
        if (!settled) settle(false);
        else this.gone(child);
      });
      child.on("message", (m: Answer) => {
        if ("ready" in m) {
          if (child.pid !== undefined) lowerPriority(child.pid, this.options.niceness ?? BACKGROUND_NICENESS);
          settle(true);
          return;
        }
        const waiter = this.pending.get(m.id);
        if (!waiter) return;
        this.pending.delete(m.id);
        if (!this.waitingOn(child)) this.idle(child);
        if (typeof m.ok === "boolean") waiter.resolve(m.ok);
        else waiter.reject(new Error("The background verifier refused the check"));
      });
    });
  }

  private ask(child: ChildProcess, hash: string, password: string): Promise<boolean> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { child, resolve, reject });
      this.busy(child);
      child.send({ id, hash, password }, (err) => {
        if (!err || !this.pending.delete(id)) return;
        if (!this.waitingOn(child)) this.idle(child);
        reject(err);
      });
    });
  }

  /** While a check is out, the channel keeps this process alive; otherwise the child never does. */
  private busy(child: ChildProcess): void {
    child.ref();
    child.channel?.ref();
  }

  private idle(child: ChildProcess): void {
    child.unref();
    child.channel?.unref();
  }

  private waitingOn(child: ChildProcess): boolean {
    for (const p of this.pending.values()) if (p.child === child) return true;
    return false;
  }

  /** A child that exited or failed: its checks under way are answered in process by their callers. */
  private gone(child: ChildProcess): void {
    if (this.child === child) {
      this.child = null;
      this.unavailable();
    }
    this.failPending(new Error("The background verifier stopped"), child);
  }

  private unavailable(): void {
    this.unavailableUntil = Date.now() + (this.options.retryAfterMs ?? 10_000);
  }

  private failPending(err: Error, of?: ChildProcess): void {
    for (const [id, w] of [...this.pending]) {
      if (of && w.child !== of) continue;
      this.pending.delete(id);
      w.reject(err);
    }
  }
}

/** Ends a child this verifier no longer listens to (its late errors are swallowed, not thrown). */
function stopChild(child: ChildProcess): void {
  child.removeAllListeners();
  child.on("error", () => {});
  child.kill();
}

// On globalThis: Next may load this module more than once, and one child serves the process.
const holder = globalThis as typeof globalThis & { __rampartBackgroundVerifier?: BackgroundVerifier };
export function defaultBackgroundVerifier(): BackgroundVerifier {
  return (holder.__rampartBackgroundVerifier ??= new BackgroundVerifier());
}
