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
    expect(pool.stats).toEqual({ running: 0, waitingDevices: 0, waitingOthers: 0 });
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

  it("rejects a pool whose slots could all be reserved", () => {
    expect(() => new VerificationPool({ slots: 1, reservedForDevices: 1, queue: 1 })).toThrow(TypeError);
  });
});
