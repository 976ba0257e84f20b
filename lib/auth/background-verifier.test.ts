import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BACKGROUND_NICENESS, BackgroundVerifier } from "./background-verifier";
import { hashPassword } from "./password";

const PASSWORD = "amber kettle glacier orbit";
const onLinux = process.platform === "linux";

describe("the background verifier (argon2id in a lower-priority child process)", () => {
  let hash: string;
  const made: BackgroundVerifier[] = [];
  const verifier = (options?: ConstructorParameters<typeof BackgroundVerifier>[0]) => {
    const v = new BackgroundVerifier(options);
    made.push(v);
    return v;
  };

  beforeAll(async () => {
    hash = await hashPassword(PASSWORD);
  });
  afterEach(() => {
    for (const v of made.splice(0)) v.close();
  });

  it("accepts the right password and refuses wrong ones, unreadable hashes and empty passwords, all in the child", async () => {
    const v = verifier();
    expect(await v.verify(hash, PASSWORD)).toBe(true);
    expect(await v.verify(hash, "amber kettle glacier orbiT")).toBe(false);
    expect(await v.verify(hash, "")).toBe(false);
    expect(await v.verify("not-an-argon2-hash", PASSWORD)).toBe(false);
    expect(v.stats).toMatchObject({ inChild: 4, inProcess: 0, childStarts: 1 });
  });

  it("keeps concurrent checks apart: each caller gets the answer for its own password", async () => {
    const v = verifier();
    const guesses = ["wrong one", PASSWORD, "wrong two", PASSWORD, "wrong three"];
    expect(await Promise.all(guesses.map((g) => v.verify(hash, g)))).toEqual([false, true, false, true, false]);
    expect(v.stats.inChild).toBe(5);
  });

  it.runIf(onLinux)("runs the child below the server's priority, with no environment but PATH and nothing on its command line", async () => {
    process.env.RAMPART_TEST_SECRET_FOR_CHILD = "must-not-reach-the-child";
    try {
      const v = verifier();
      expect(await v.verify(hash, PASSWORD)).toBe(true);
      const pid = v.stats.childPid!;
      expect(pid).toBeGreaterThan(0);
      expect(os.getPriority(pid)).toBe(Math.max(os.getPriority(), BACKGROUND_NICENESS));
      expect(os.getPriority(pid)).toBeGreaterThan(0);
      const env = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
      // Node adds its IPC channel's own two variables.
      expect(env.map((e) => e.split("=")[0]).sort()).toEqual(["NODE_CHANNEL_FD", "NODE_CHANNEL_SERIALIZATION_MODE", "NODE_ENV", "PATH"]);
      expect(env.join("\n")).not.toContain("must-not-reach-the-child");
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      expect(cmdline).toContain("argon2-verify-child.mjs");
      expect(cmdline).not.toContain(PASSWORD);
      expect(cmdline).not.toContain(hash);
    } finally {
      delete process.env.RAMPART_TEST_SECRET_FOR_CHILD;
    }
  });

  it("checks in this process, with the same answers, when the child cannot start", async () => {
    const v = verifier({ script: path.join(os.tmpdir(), "no-such-verifier-child.cjs"), retryAfterMs: 60_000 });
    expect(await v.verify(hash, PASSWORD)).toBe(true);
    expect(await v.verify(hash, "a wrong guess")).toBe(false);
    expect(v.stats).toMatchObject({ inChild: 0, inProcess: 2, childStarts: 0, childPid: null });
  });

  it("checks in this process when the child exits before it is ready, or never says it is", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-verifier-"));
    try {
      const exits = path.join(dir, "exits.cjs");
      fs.writeFileSync(exits, "process.exit(3);\n");
      const silent = path.join(dir, "silent.cjs");
      fs.writeFileSync(silent, "process.on('message', () => process.send({ id: 1, ok: true }));\nsetInterval(() => {}, 1000);\n");
      for (const v of [verifier({ script: exits, retryAfterMs: 60_000 }), verifier({ script: silent, startTimeoutMs: 300, retryAfterMs: 60_000 })]) {
        expect(await v.verify(hash, "a wrong guess")).toBe(false);
        expect(await v.verify(hash, PASSWORD)).toBe(true);
        expect(v.stats).toMatchObject({ inChild: 0, inProcess: 2, childStarts: 0, childPid: null });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("answers a check under way when the child dies, then starts a new child", async () => {
    const v = verifier({ retryAfterMs: 0 });
    expect(await v.verify(hash, PASSWORD)).toBe(true);
    const first = v.stats.childPid!;
    const during = v.verify(hash, PASSWORD);
    const wrongDuring = v.verify(hash, "a wrong guess");
    process.kill(first, "SIGKILL");
    expect(await during).toBe(true);
    expect(await wrongDuring).toBe(false);
    expect(v.stats.inProcess).toBe(2);
    expect(await v.verify(hash, PASSWORD)).toBe(true);
    expect(v.stats.childStarts).toBe(2);
    expect(v.stats.childPid).not.toBe(first);
  });

  it("waits before starting a child again after one failed, checking in process meanwhile", async () => {
    const v = verifier({ retryAfterMs: 60_000 });
    expect(await v.verify(hash, PASSWORD)).toBe(true);
    const first = v.stats.childPid!;
    const during = v.verify(hash, "a wrong guess");
    process.kill(first, "SIGKILL");
    expect(await during).toBe(false);
    expect(await v.verify(hash, PASSWORD)).toBe(true);
    expect(v.stats).toMatchObject({ childStarts: 1, childPid: null, inProcess: 2 });
  });

  it("does not keep a child that was still starting when it was closed", async () => {
    const v = verifier();
    const during = v.verify(hash, PASSWORD);
    v.close();
    expect(await during).toBe(true); // checked in this process instead
    expect(v.stats).toMatchObject({ childStarts: 0, childPid: null, inProcess: 1 });
    expect(await v.verify(hash, PASSWORD)).toBe(true);
    expect(v.stats).toMatchObject({ childStarts: 1, inChild: 1 });
  });

  it("ends the child when it is closed, and starts one again for the next check", async () => {
    const v = verifier();
    expect(await v.verify(hash, PASSWORD)).toBe(true);
    const first = v.stats.childPid!;
    v.close();
    await expect.poll(() => alive(first)).toBe(false);
    expect(await v.verify(hash, "a wrong guess")).toBe(false);
    expect(v.stats.childStarts).toBe(2);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
