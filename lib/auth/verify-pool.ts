/** The pool refused: every verification slot is busy and the queue is full. The caller answers 429 at once. */
export class VerificationPoolFullError extends Error {
  constructor(readonly retryAt: number) {
    super("Too many sign-ins are being checked right now");
    this.name = "VerificationPoolFullError";
  }
}

export type VerificationPoolOptions = {
  /** Verifications running at once (argon2id takes a core each). */
  slots: number;
  /** Of those, how many only a recognised device (a valid device cookie) may use: a flood never takes every slot. */
  reservedForDevices: number;
  /** Attempts without a device cookie that may wait for a slot; the next is refused. */
  queue: number;
  /** Retry-After for a refusal. */
  retryAfterMs?: number;
};

type Waiter = { start: () => void };

/**
 * Bounds the password verifications of one process: a flood of guesses is refused before argon2 runs instead of
 * queueing for seconds in front of a real person. A recognised device goes ahead of the queue and may use the reserved
 * slots; its queue is not bounded (devices are few, and each is limited on its own).
 */
export class VerificationPool {
  private running = 0;
  private readonly devices: Waiter[] = [];
  private readonly others: Waiter[] = [];

  constructor(private readonly options: VerificationPoolOptions) {
    if (options.slots < 1 || options.reservedForDevices < 0 || options.reservedForDevices >= options.slots || options.queue < 0) {
      throw new TypeError("A verification pool needs at least one slot open to everyone and a queue of zero or more");
    }
  }

  /** Runs `verify` in a slot; throws VerificationPoolFullError without running it when an attempt cannot even queue. */
  async run<T>(recognisedDevice: boolean, verify: () => Promise<T>): Promise<T> {
    if (this.canStart(recognisedDevice)) this.running++;
    else {
      if (!recognisedDevice && this.others.length >= this.options.queue) throw new VerificationPoolFullError(Date.now() + (this.options.retryAfterMs ?? 1000));
      // The slot is taken for the waiter when it is handed over (next), so nobody slips in before it resumes.
      await new Promise<void>((start) => (recognisedDevice ? this.devices : this.others).push({ start }));
    }
    try {
      return await verify();
    } finally {
      this.running--;
      this.next();
    }
  }

  /** An attempt without a recognised device would be refused now: its callers can answer 429 before any other work. */
  refusesOthers(): VerificationPoolFullError | null {
    return !this.canStart(false) && this.others.length >= this.options.queue ? new VerificationPoolFullError(Date.now() + (this.options.retryAfterMs ?? 1000)) : null;
  }

  get stats(): { running: number; waitingDevices: number; waitingOthers: number } {
    return { running: this.running, waitingDevices: this.devices.length, waitingOthers: this.others.length };
  }

  private canStart(recognisedDevice: boolean): boolean {
    if (recognisedDevice) return this.running < this.options.slots;
    return this.devices.length === 0 && this.running < this.options.slots - this.options.reservedForDevices;
  }

  private next(): void {
    for (;;) {
      const waiter = this.devices.length > 0 ? (this.running < this.options.slots ? this.devices.shift() : undefined) : this.canStart(false) ? this.others.shift() : undefined;
      if (!waiter) return;
      this.running++;
      waiter.start();
    }
  }
}
