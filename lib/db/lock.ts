import fs from "node:fs";
import path from "node:path";

/** Raised when another live process holds the embedded database: PGlite has no lock of its own. */
export class DatabaseInUseError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(
      `The embedded database in ${dataDir} is in use by process ${pid} (probably the running app). ` +
        `PGlite cannot be opened by two processes at once: stop that process and run this command again.`,
    );
    this.name = "DatabaseInUseError";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export type DirectoryLock = { file: string; release(): void };

/**
 * Takes `<dir>.lock` holding this PID, or throws DatabaseInUseError when a live process holds it.
 * A lock left by a dead process is taken over.
 */
export function lockDataDirectory(dir: string): DirectoryLock {
  const file = `${dir}.lock`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }), { flag: "wx", mode: 0o600 });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        try {
          const holder = JSON.parse(fs.readFileSync(file, "utf8")) as { pid?: number };
          if (holder.pid === process.pid) fs.unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.on("exit", release);
      return { file, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let pid = 0;
      try {
        pid = Number((JSON.parse(fs.readFileSync(file, "utf8")) as { pid?: number }).pid) || 0;
      } catch {
        // unreadable lock: treat as stale
      }
      if (pid && pid !== process.pid && isAlive(pid)) throw new DatabaseInUseError(dir, pid);
      if (pid === process.pid) throw new Error(`This process already holds the embedded database in ${dir}`);
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock the embedded database in ${dir}`);
}
