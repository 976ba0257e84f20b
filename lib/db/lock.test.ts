import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DatabaseInUseError, lockDataDirectory } from "./lock";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-lock-"));
let n = 0;
const freshDir = () => path.join(root, `db-${++n}`);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const readHolder = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number; since: string };

/** A PID that certainly belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("lockDataDirectory", () => {
  it("writes <dir>.lock holding this PID, and release removes it", () => {
    const dir = freshDir();
    const lock = lockDataDirectory(dir);
    expect(lock.file).toBe(`${dir}.lock`);
    expect(readHolder(lock.file).pid).toBe(process.pid);
    expect(fs.statSync(lock.file).mode & 0o777).toBe(0o600);
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
    lock.release(); // idempotent
    const again = lockDataDirectory(dir);
    again.release();
  });

  it("refuses a second lock while the first is held in this process", () => {
    const dir = freshDir();
    const lock = lockDataDirectory(dir);
    try {
      expect(() => lockDataDirectory(dir)).toThrow(/already holds/);
      expect(readHolder(lock.file).pid).toBe(process.pid);
    } finally {
      lock.release();
    }
  });

  it("refuses another process with DatabaseInUseError naming the holder's PID", async () => {
    const dir = freshDir();
    const lock = lockDataDirectory(dir);
    try {
      const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
      const script = [
        `import { lockDataDirectory } from ${JSON.stringify(path.join(process.cwd(), "lib/db/lock.ts"))};`,
        `try { lockDataDirectory(${JSON.stringify(dir)}); console.log(JSON.stringify({ locked: true })); }`,
        `catch (e) { console.log(JSON.stringify({ name: e.name, pid: e.pid, message: e.message })); }`,
      ].join("\n");
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(tsx, ["--eval", script], { stdio: ["ignore", "pipe", "inherit"] });
        let text = "";
        child.stdout.on("data", (d: Buffer) => (text += d.toString()));
        child.on("error", reject);
        child.on("exit", () => resolve(text));
      });
      const result = JSON.parse(out.trim().split("\n").at(-1)!) as { name?: string; pid?: number; message?: string; locked?: boolean };
      expect(result.locked).toBeUndefined();
      expect(result.name).toBe("DatabaseInUseError");
      expect(result.pid).toBe(process.pid);
      expect(result.message).toContain(`process ${process.pid}`);
      expect(result.message).toContain(dir);
      expect(readHolder(lock.file).pid).toBe(process.pid);
    } finally {
      lock.release();
    }
  }, 60_000);

  it("throws DatabaseInUseError when a lock file names another live process", () => {
    const dir = freshDir();
    const holder = process.ppid; // the test runner: alive, and not us
    fs.writeFileSync(`${dir}.lock`, JSON.stringify({ pid: holder, since: new Date().toISOString() }));
    let caught: unknown;
    try {
      lockDataDirectory(dir);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DatabaseInUseError);
    expect((caught as DatabaseInUseError).pid).toBe(holder);
    expect((caught as Error).message).toContain(String(holder));
    expect(readHolder(`${dir}.lock`).pid).toBe(holder);
  });

  it("takes over a stale lock left by a process that has exited", () => {
    const dir = freshDir();
    const dead = deadPid();
    expect(() => process.kill(dead, 0)).toThrow();
    fs.writeFileSync(`${dir}.lock`, JSON.stringify({ pid: dead, since: "2020-01-01T00:00:00.000Z" }));
    const lock = lockDataDirectory(dir);
    expect(readHolder(lock.file).pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
  });

  it("takes over an unreadable lock file", () => {
    const dir = freshDir();
    fs.writeFileSync(`${dir}.lock`, "garbage");
    const lock = lockDataDirectory(dir);
    expect(readHolder(lock.file).pid).toBe(process.pid);
    lock.release();
  });

  it("does not remove a lock that another process has taken since", () => {
    const dir = freshDir();
    const lock = lockDataDirectory(dir);
    fs.writeFileSync(lock.file, JSON.stringify({ pid: process.ppid, since: new Date().toISOString() }));
    lock.release();
    expect(readHolder(lock.file).pid).toBe(process.ppid);
    fs.rmSync(lock.file);
  });
});
