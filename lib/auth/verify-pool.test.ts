import { describe, expect, it } from "vitest";
import { VerificationPool, VerificationPoolFullError } from "./verify-pool";

/** A verification that ends when the test says so, recording that it ran. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, verify: async () => (log.push(name), await opened, name) };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("VerificationPool", () => {
  it("refuses at once, without running the verification, when the slots and the queue are full", async () => {
    const pool = new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 1 });
    const log: string[] = [];
    const a = gate(log, "a");
    const b = gate(log, "b");
    const running = pool.run(false, a.verify);
    const queued = pool.run(false, b.verify);
    await tick();
    let ran = false;
    await expect(pool.run(false, async () => (ran = true))).rejects.toBeInstanceOf(VerificationPoolFullError);
    expect(ran).toBe(false);
    expect(log).toEqual(["a"]);
    expect(pool.refusesOthers()).toBeInstanceOf(VerificationPoolFullError);
    a.open();
    b.open();
    expect(await Promise.all([running, queued])).toEqual(["a", "b"]);
    expect(log).toEqual(["a", "b"]);
    expect(pool.refusesOthers()).toBeNull();
  });

  it("keeps the reserved slot for a recognised device, which also goes ahead of the queue", async () => {
    const pool = new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 3 });
    const log: string[] = [];
    const flood = [gate(log, "f1"), gate(log, "f2"), gate(log, "f3")];
    const floodRuns = flood.map((g) => pool.run(false, g.verify));
    await tick();
    expect(log).toEqual(["f1"]); // one slot for everyone, the other reserved
    const device = gate(log, "device");
    const deviceRun = pool.run(true, device.verify);
    await tick();
    expect(log).toEqual(["f1", "device"]);
    // Both slots busy: the next device waits, but ahead of the flood already queued.
    const second = gate(log, "device2");
    const secondRun = pool.run(true, second.verify);
    flood[0]!.open();
    await tick();
    expect(log).toEqual(["f1", "device", "device2"]);
    device.open();
    second.open();
    await Promise.all([deviceRun, secondRun]);
    flood[1]!.open();
    flood[2]!.open();
    await Promise.all(floodRuns);
    expect(log).toEqual(["f1", "device", "device2", "f2", "f3"]);
    expect(pool.stats).toEqual({ running: 0, waitingDevices: 0, waitingOthers: 0, admittedDevices: 0, admittedOthers: 0 });
  });

  it("never runs more than its slots, whatever the mix", async () => {
    const pool = new VerificationPool({ slots: 3, reservedForDevices: 1, queue: 100 });
    let now = 0;
    let peak = 0;
    const work = async () => {
      peak = Math.max(peak, ++now);
      await new Promise((r) => setTimeout(r, 2));
      now--;
    };
    await Promise.all(Array.from({ length: 60 }, (_, i) => pool.run(i % 3 === 0, work)));
    expect(peak).toBe(3);
  });

  it("rejects a pool whose slots could all be reserved, or without a device lane", () => {
    expect(() => new VerificationPool({ slots: 1, reservedForDevices: 1, queue: 1 })).toThrow(TypeError);
    expect(() => new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 1, deviceLane: 0 })).toThrow(TypeError);
  });

  it("admits attempts before their other work, as many as the open slots and the queue, and refuses the next at once", () => {
    const pool = new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 2 });
    // Admitted, not yet verifying (their lookups would run now): they count all the same.
    const held = [pool.admit(false), pool.admit(false), pool.admit(false)];
    expect(held.map((a) => a.lane)).toEqual(["other", "other", "other"]);
    expect(() => pool.admit(false)).toThrow(VerificationPoolFullError);
    expect(pool.refuses(false)).toBeInstanceOf(VerificationPoolFullError);
    expect(pool.stats).toMatchObject({ running: 0, admittedOthers: 3 });
    // The device lane is apart: a browser with a device cookie for the submitted email still gets in.
    expect(pool.refuses(true)).toBeNull();
    const device = pool.admit(true);
    expect(device.lane).toBe("device");
    held[0]!.release();
    held[0]!.release(); // a second release gives nothing back twice
    expect(pool.stats).toMatchObject({ admittedOthers: 2, admittedDevices: 1 });
    const next = pool.admit(false);
    expect(() => pool.admit(false)).toThrow(VerificationPoolFullError);
    for (const a of [...held.slice(1), next, device]) a.release();
    expect(pool.stats).toMatchObject({ admittedOthers: 0, admittedDevices: 0 });
  });

  it("bounds the device lane too: beyond it, a device waits in the ordinary lane, and is refused when that is full", () => {
    const pool = new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 0, deviceLane: 2 });
    const lanes = [pool.admit(true), pool.admit(true), pool.admit(true)].map((a) => a.lane);
    expect(lanes).toEqual(["device", "device", "other"]);
    expect(() => pool.admit(true)).toThrow(VerificationPoolFullError);
  });

  it("gives the admission back when the verification fails, and refuses to verify on a released admission", async () => {
    const pool = new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 0 });
    await expect(pool.run(false, () => Promise.reject(new Error("argon2 failed")))).rejects.toThrow("argon2 failed");
    expect(pool.stats).toEqual({ running: 0, waitingDevices: 0, waitingOthers: 0, admittedDevices: 0, admittedOthers: 0 });
    const admission = pool.admit(false);
    admission.release();
    let ran = false;
    await expect(admission.verify(false, async () => (ran = true))).rejects.toThrow();
    expect(ran).toBe(false);
    expect(await pool.run(false, async () => "free again")).toBe("free again");
  });

  it("lets admitted attempts wait for a slot without refusing them, a recognised device first", async () => {
    const pool = new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 2 });
    const log: string[] = [];
    const [a, b, d] = [gate(log, "a"), gate(log, "b"), gate(log, "d")];
    const [first, second, device] = [pool.admit(false), pool.admit(false), pool.admit(true)];
    const runs = [first.verify(false, a.verify), second.verify(false, b.verify)];
    await tick();
    expect(log).toEqual(["a"]);
    const deviceRun = device.verify(true, d.verify);
    await tick();
    expect(log).toEqual(["a", "d"]);
    a.open();
    d.open();
    await Promise.all([runs[0], deviceRun]);
    await tick();
    expect(log).toEqual(["a", "d", "b"]);
    b.open();
    await runs[1];
    for (const x of [first, second, device]) x.release();
    expect(pool.stats).toEqual({ running: 0, waitingDevices: 0, waitingOthers: 0, admittedDevices: 0, admittedOthers: 0 });
  });
});
