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
  /** Attempts without a device cookie that may wait, beyond the slots open to them; the next is refused. */
  queue: number;
  /** Attempts admitted in the device lane at once; beyond, an attempt is admitted as any other. Default: four per slot. */
  deviceLane?: number;
  /** Retry-After for a refusal. */
  retryAfterMs?: number;
};

/** The lanes of admission: a browser whose device cookie names the submitted email, and everyone else. */
export type Lane = "device" | "other";

/** An attempt let into the pool: it may do its database work, then verify in a slot; it must be released on every path. */
export type Admission = {
  readonly lane: Lane;
  /** Runs `verify` in a slot (the reserved ones too when the account recognised the device); waits its turn, never refuses. */
  verify<T>(recognisedDevice: boolean, verify: () => Promise<T>): Promise<T>;
  /** Gives the admission back; a second call does nothing. */
  release(): void;
};

type Waiter = { start: () => void };

/**
 * Bounds the password checks of one process, from before an attempt's first database round trip to its end: a flood
 * of guesses is refused before it looks anything up or runs argon2, instead of queueing its lookups and limiter calls
 * in front of a real person. Admission is counted per lane: attempts without a device cookie for the submitted email
 * may hold the slots open to them plus the queue; a recognised device goes in its own lane (bounded too, so a stolen
 * or self-made device cookie cannot open an unbounded one), ahead of the queue for a slot, and may use the reserved ones.
 */
export class VerificationPool {
  private running = 0;
  private admitted = { device: 0, other: 0 };
  private readonly devices: Waiter[] = [];
  private readonly others: Waiter[] = [];

  constructor(private readonly options: VerificationPoolOptions) {
    if (options.slots < 1 || options.reservedForDevices < 0 || options.reservedForDevices >= options.slots || options.queue < 0 || (options.deviceLane ?? 1) < 1) {
      throw new TypeError("A verification pool needs at least one slot open to everyone, a queue of zero or more and a device lane of one or more");
    }
  }

  /**
   * Admits an attempt before any of its work: in the device lane when asked and there is room, else as any other
   * attempt, which is refused (VerificationPoolFullError, nothing run) once the slots open to it and the queue are taken.
   */
  admit(deviceLane: boolean): Admission {
    const lane = this.laneFor(deviceLane);
    if (!lane) throw this.full();
    this.admitted[lane]++;
    let released = false;
    return {
      lane,
      verify: (recognisedDevice, verify) => {
        if (released) return Promise.reject(new Error("This admission was released"));
        return this.inSlot(recognisedDevice, verify);
      },
      release: () => {
        if (released) return;
        released = true;
        this.admitted[lane]--;
      },
    };
  }

  /** Admission, a slot and release in one (callers with no database work of their own). */
  async run<T>(recognisedDevice: boolean, verify: () => Promise<T>): Promise<T> {
    const admission = this.admit(recognisedDevice);
    try {
      return await admission.verify(recognisedDevice, verify);
    } finally {
      admission.release();
    }
  }

  /** The refusal `admit(deviceLane)` would throw now, or null: callers can answer 429 before any other work. */
  refuses(deviceLane: boolean): VerificationPoolFullError | null {
    return this.laneFor(deviceLane) ? null : this.full();
  }

  /** An attempt without a recognised device would be refused now. */
  refusesOthers(): VerificationPoolFullError | null {
    return this.refuses(false);
  }

  get stats(): { running: number; waitingDevices: number; waitingOthers: number; admittedDevices: number; admittedOthers: number } {
    return { running: this.running, waitingDevices: this.devices.length, waitingOthers: this.others.length, admittedDevices: this.admitted.device, admittedOthers: this.admitted.other };
  }

  private laneFor(deviceLane: boolean): Lane | null {
    if (deviceLane && this.admitted.device < (this.options.deviceLane ?? 4 * this.options.slots)) return "device";
    return this.admitted.other < this.options.slots - this.options.reservedForDevices + this.options.queue ? "other" : null;
  }

  private full(): VerificationPoolFullError {
    return new VerificationPoolFullError(Date.now() + (this.options.retryAfterMs ?? 1000));
  }

  private async inSlot<T>(recognisedDevice: boolean, verify: () => Promise<T>): Promise<T> {
    if (this.canStart(recognisedDevice)) this.running++;
    // The slot is taken for the waiter when it is handed over (next), so nobody slips in before it resumes.
    else await new Promise<void>((start) => (recognisedDevice ? this.devices : this.others).push({ start }));
    try {
      return await verify();
    } finally {
      this.running--;
      this.next();
    }
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
