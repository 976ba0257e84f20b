import { spawn } from "node:child_process";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { lowerPriority } from "./priority";

describe.runIf(process.platform === "linux")("lowerPriority", () => {
  it("sets a child's nice value, never better than this process's own", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10000)"], { stdio: "ignore" });
    try {
      expect(lowerPriority(child.pid!, 7)).toBe(true);
      expect(os.getPriority(child.pid!)).toBe(Math.max(os.getPriority(), 7));
      // Asked for a better place than this process has, it gets this process's own (as root, -5 itself would be allowed).
      if (os.getPriority() === 0 && process.getuid?.() === 0) {
        expect(lowerPriority(child.pid!, -5)).toBe(true);
        expect(os.getPriority(child.pid!)).toBe(0);
      }
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("reports false instead of throwing when it cannot (no such process)", () => {
    expect(lowerPriority(2 ** 22 + 12345, 10)).toBe(false);
  });
});
