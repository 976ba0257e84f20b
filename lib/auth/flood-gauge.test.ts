import { describe, expect, it } from "vitest";
import { FLOOD_REFUSALS_PER_MINUTE, FloodGauge } from "./flood-gauge";

const T0 = 1_800_000_000_000; // a bucket boundary (a multiple of 10 s)

describe("the sign-in flood gauge", () => {
  it("counts the refusals of the last minute and calls it a flood from the threshold on", () => {
    const g = new FloodGauge(5);
    for (let i = 0; i < 4; i++) g.note(T0 + i * 1000);
    expect(g.refusals(T0 + 5000)).toBe(4);
    expect(g.flooded(T0 + 5000)).toBe(false);
    g.note(T0 + 9_999);
    expect(g.flooded(T0 + 9_999)).toBe(true);
  });

  it("forgets refusals older than a minute, bucket by bucket", () => {
    const g = new FloodGauge(3);
    for (let i = 0; i < 3; i++) g.note(T0 + 1000);
    g.note(T0 + 25_000);
    expect(g.refusals(T0 + 59_999)).toBe(4);
    expect(g.flooded(T0 + 59_999)).toBe(true);
    // The first bucket (T0..T0+10 s) leaves the window at T0+60 s; the one at 25 s stays until 80 s.
    expect(g.refusals(T0 + 60_000)).toBe(1);
    expect(g.flooded(T0 + 60_000)).toBe(false);
    expect(g.refusals(T0 + 80_000)).toBe(0);
  });

  it("starts a reused bucket from zero after the ring comes round", () => {
    const g = new FloodGauge(2);
    g.note(T0);
    g.note(T0);
    g.note(T0 + 60_000); // the same slot of the ring, a minute later
    expect(g.refusals(T0 + 60_000)).toBe(1);
    expect(g.flooded(T0 + 60_000)).toBe(false);
  });

  it("takes a flood to be far more than one person locking themselves out", () => {
    expect(FLOOD_REFUSALS_PER_MINUTE).toBeGreaterThanOrEqual(20);
    const g = new FloodGauge();
    for (let i = 0; i < 10; i++) g.note(T0 + i);
    expect(g.flooded(T0 + 10)).toBe(false);
  });
});
