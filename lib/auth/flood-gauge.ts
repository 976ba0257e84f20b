/**
 * How many sign-in attempts this process refused (429) in the last minute, counted in ten-second buckets: the signal
 * that a flood is under way. Background chores read it to wait for the flood to pass (lib/jobs/background.ts), so
 * that a server whose one thread (and, on PGlite, one connection) is already busy refusing guesses does not also take
 * a backup while real people sign in.
 */
const BUCKET_MS = 10_000;
const BUCKETS = 6;
/** Refusals in a minute that make a flood: well above one person locking themselves out (the per-account limit is 10). */
export const FLOOD_REFUSALS_PER_MINUTE = 30;

export class FloodGauge {
  private readonly counts = new Array<number>(BUCKETS).fill(0);
  private readonly starts = new Array<number>(BUCKETS).fill(-1);

  constructor(private readonly threshold = FLOOD_REFUSALS_PER_MINUTE) {}

  /** One refused attempt. */
  note(now = Date.now()): void {
    const start = now - (now % BUCKET_MS);
    const i = Math.floor(start / BUCKET_MS) % BUCKETS;
    if (this.starts[i] !== start) {
      this.starts[i] = start;
      this.counts[i] = 0;
    }
    this.counts[i]!++;
  }

  /** Refusals in the last minute (the current bucket and the five before it). */
  refusals(now = Date.now()): number {
    const oldest = now - (now % BUCKET_MS) - (BUCKETS - 1) * BUCKET_MS;
    let n = 0;
    for (let i = 0; i < BUCKETS; i++) if (this.starts[i]! >= oldest && this.starts[i]! <= now) n += this.counts[i]!;
    return n;
  }

  flooded(now = Date.now()): boolean {
    return this.refusals(now) >= this.threshold;
  }
}

// On globalThis: Next may load this module more than once, and the refusals are the process's.
const holder = globalThis as typeof globalThis & { __rampartFloodGauge?: FloodGauge };
export function signInFloodGauge(): FloodGauge {
  return (holder.__rampartFloodGauge ??= new FloodGauge());
}
