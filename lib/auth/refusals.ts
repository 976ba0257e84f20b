import "server-only";
import { signInAttempts } from "@/db/schema";
import type { Database } from "@/lib/db";
import { logger } from "@/lib/log";
import { signInFloodGauge, type FloodGauge } from "./flood-gauge";

type Until = { until: number; userId: string | null };

/**
 * What this process already knows is refused until a given time: an address over its limits, an account locked by its
 * limit, a device (device cookie) over its own limit. The next attempt from there is turned away without a round trip (the limiters would only say no again).
 */
export class RefusalMemo {
  private readonly addresses = new Map<string, number>();
  private readonly accounts = new Map<string, Until>();
  private readonly devices = new Map<string, Until>();

  constructor(private readonly maxKeys = 50_000) {}

  blockAddress(addressHash: string, until: number): void {
    remember(this.addresses, addressHash, until, this.maxKeys);
  }

  lockAccount(emailHash: string, userId: string | null, until: number): void {
    remember(this.accounts, emailHash, { until, userId }, this.maxKeys);
  }

  /** A device over its own limit (its device cookie, lib/auth/device-cookie.ts): refused before its admission next time. */
  blockDevice(deviceId: string, userId: string, until: number): void {
    remember(this.devices, deviceId, { until, userId }, this.maxKeys);
  }

  deviceBlocked(deviceId: string, now = Date.now()): Until | null {
    return current(this.devices, deviceId, now);
  }

  /** When the address is refused, until when; else null. */
  addressBlocked(addressHash: string, now = Date.now()): number | null {
    const until = this.addresses.get(addressHash);
    if (until === undefined) return null;
    if (until > now) return until;
    this.addresses.delete(addressHash);
    return null;
  }

  accountLocked(emailHash: string, now = Date.now()): Until | null {
    return current(this.accounts, emailHash, now);
  }
}

function current(map: Map<string, Until>, key: string, now: number): Until | null {
  const entry = map.get(key);
  if (!entry) return null;
  if (entry.until > now) return entry;
  map.delete(key);
  return null;
}

function remember<V>(map: Map<string, V>, key: string, value: V, maxKeys: number): void {
  map.delete(key);
  if (map.size >= maxKeys) map.delete(map.keys().next().value!);
  map.set(key, value);
}

export type RefusedAttempt = Omit<typeof signInAttempts.$inferInsert, "id" | "outcome">;

/**
 * Writes refused sign-in attempts to the sign-in history in batches, at most one insert per interval: a flood of
 * guesses costs one statement a second instead of one per guess, and each attempt still gets its row (with its time).
 */
export class RefusalRecorder {
  private buffer: RefusedAttempt[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly intervalMs = 1000,
    private readonly maxBuffered = 5000,
    private readonly gauge: FloodGauge = signInFloodGauge(),
  ) {}

  add(attempt: RefusedAttempt): void {
    this.gauge.note();
    if (this.buffer.length >= this.maxBuffered) return; // beyond this a flood is counted by the metrics alone
    this.buffer.push({ ...attempt, createdAt: attempt.createdAt ?? new Date() });
    this.timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
  }

  /**
   * Writes what is buffered now (tests and shutdown call it; the timer otherwise). A failed write is logged (kind and
   * count, never the rows) and the batch is dropped: it never rejects, so the timer's flush cannot become an unhandled
   * rejection that stops the process, and one failure does not stop the batches after it.
   */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      if (rows.length === 0) return;
      try {
        await this.db.insert(signInAttempts).values(rows.map((r) => ({ ...r, outcome: "rate_limited" as const })));
      } catch (err) {
        logger.error({ err, rows: rows.length }, "sign-in history: a batch of refused attempts was not written");
      }
    });
    return this.flushing;
  }
}
