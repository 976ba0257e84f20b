import { describe, expect, it } from "vitest";
import { runWhenQuiet } from "./background";

describe("background chores wait for a sign-in flood to pass", () => {
  it("runs the task at once when there is no flood, and counts no wait (however long the task takes)", async () => {
    let ran = 0;
    const result = await runWhenQuiet(() => new Promise<void>((r) => setTimeout(() => r(void ran++), 30)), { flooded: () => false, checkEveryMs: 1000, maxWaitMs: 60_000 });
    expect(ran).toBe(1);
    expect(result!.waitedMs).toBeLessThan(20);
  });

  it("waits while a flood lasts, then runs the task once", async () => {
    let checks = 0;
    let ran = 0;
    const result = await runWhenQuiet(async () => void ran++, { flooded: () => ++checks <= 3, checkEveryMs: 20, maxWaitMs: 60_000 });
    expect(ran).toBe(1);
    expect(checks).toBe(4);
    expect(result!.waitedMs).toBeGreaterThanOrEqual(50);
  });

  it("runs the task anyway once the longest wait is over: a flood cannot put it off for good", async () => {
    let ran = 0;
    const result = await runWhenQuiet(async () => void ran++, { flooded: () => true, checkEveryMs: 20, maxWaitMs: 120 });
    expect(ran).toBe(1);
    expect(result!.waitedMs).toBeGreaterThanOrEqual(110);
    expect(result!.waitedMs).toBeLessThan(5_000);
  });

  it("does not run the task when stopped while waiting", async () => {
    const stop = new AbortController();
    let ran = 0;
    const waiting = runWhenQuiet(async () => void ran++, { flooded: () => true, checkEveryMs: 10_000, maxWaitMs: 60_000, signal: stop.signal });
    setTimeout(() => stop.abort(), 20);
    expect(await waiting).toBeNull();
    expect(ran).toBe(0);
  });

  it("passes the task's failure to the caller", async () => {
    await expect(runWhenQuiet(() => Promise.reject(new Error("chore failed")), { flooded: () => false })).rejects.toThrow("chore failed");
  });
});
