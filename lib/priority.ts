import os from "node:os";

/**
 * Lowers a child process's CPU priority to `niceness` (Unix nice value; never above what this process already has, so
 * a server started at nice 15 does not give its child a better place than itself). Returns whether it took: a
 * container may forbid it, and the child then runs at normal priority, still off the server's thread.
 */
export function lowerPriority(pid: number, niceness: number): boolean {
  try {
    os.setPriority(pid, Math.max(os.getPriority(), niceness));
    return true;
  } catch {
    return false;
  }
}
