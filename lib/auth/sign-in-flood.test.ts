import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, signInAttempts, users } from "@/db/schema";
import { withAuditSystemScope } from "@/lib/audit/scope";
import { createOutboxMailer, type MailMessage } from "@/lib/mail";
import { createMemoryRateLimiter, createPostgresRateLimiter, type RateLimiter } from "@/lib/ratelimit";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { changePassword, requestPasswordReset, resetPassword } from "./accounts";
import { readDeviceToken, signDeviceToken } from "./device-cookie";
import { hashEmail } from "./email";
import { describeAttack, listSignInHistory, signInAttackSummary } from "./history";
import type { AuthLimiters, SignInGuard } from "./limits";
import { hashPassword } from "./password";
import type { SessionPolicy } from "./sessions";
import type { Database } from "@/lib/db";
import { RefusalMemo, RefusalRecorder } from "./refusals";
import { FloodGauge } from "./flood-gauge";
import { knownRefusal, signInWithPassword, type SignInInput } from "./sign-in";
import { VerificationPool } from "./verify-pool";
import { BackgroundVerifier } from "./background-verifier";

const PASSWORD = "lantern orchard cobalt meadow";
const NEW_PASSWORD = "quartz heron tangerine ferry";
const SECRET = "device-secret-for-the-flood-tests-0123456789abcdef";
const policy: SessionPolicy = { maxAgeSeconds: 24 * 3600, idleTimeoutSeconds: 7200 };
const run = randomBytes(4).toString("hex");

describe.each(testBackends())("sign-in under a flood (%s)", (backend) => {
  let t: TestDatabase;
  let hash: string;
  let n = 0;
  let outbox: string;
  // Hour-long windows for every limiter here (the in-memory ones too): a test that straddled two windows would let the
  // sliding weight (rounded down) admit one more attempt than the limit, as a burst test of 60 s once did.
  const limiter = (limit: number): RateLimiter => createPostgresRateLimiter(t.db, { name: `f${run}-${backend}-${++n}`, limit, windowMs: 3_600_000 });
  function limiters(perAccount = 100): AuthLimiters {
    return {
      signInPerAccount: limiter(perAccount),
      signInPerAddress: limiter(1000),
      signUpPerAddress: limiter(100),
      resetPerAccount: limiter(100),
      resetPerAddress: limiter(100),
      secondFactorPerAccount: limiter(100),
    };
  }
  function guard(over: Partial<SignInGuard> = {}): SignInGuard {
    return {
      pool: new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 2 }),
      burstPerAddress: createMemoryRateLimiter({ name: "burst", limit: 1000, windowMs: 10_000 }),
      perDevice: limiter(100),
      refusalAuditPerAccount: createMemoryRateLimiter({ name: "refusal-audit", limit: 1, windowMs: 3_600_000 }),
      deviceSecret: SECRET,
      memo: new RefusalMemo(),
      recorder: new RefusalRecorder(t.db),
      background: null,
      ...over,
    };
  }
  async function newUser() {
    const email = `flood-${++n}-${run}@example.org`;
    const [user] = await t.db.insert(users).values({ email, name: `Person ${n}`, passwordHash: hash, emailVerifiedAt: new Date() }).returning();
    return { id: user!.id, email };
  }
  const attempt = (deps: { limiters: AuthLimiters; guard?: SignInGuard }, input: SignInInput) =>
    signInWithPassword({ db: t.db, policy, ...deps }, { clientAddress: "198.51.100.20", userAgent: "Mozilla/5.0 Firefox/131.0", ...input });
  /** Locks the account: its per-account limit (2) spent on wrong guesses from other addresses. */
  async function locked(deps: { limiters: AuthLimiters; guard?: SignInGuard }, email: string) {
    for (let i = 0; i < 2; i++) await attempt(deps, { email, password: "a wrong guess", clientAddress: `203.0.113.${i + 1}` });
    expect(await attempt(deps, { email, password: PASSWORD })).toMatchObject({ ok: false, reason: "rate_limited" });
  }

  /** The test database, counting the statements started through it (a lookup, a limiter call, an insert). */
  function countingDb() {
    const counts = { statements: 0 };
    const db = new Proxy(t.db, {
      get(target, prop, receiver) {
        if (typeof prop === "string" && ["select", "insert", "update", "delete", "execute", "transaction"].includes(prop)) counts.statements++;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    }) as Database;
    return { db, counts };
  }
  /** A limiter that counts its calls. */
  function counted(inner: RateLimiter, counts: { calls: number }): RateLimiter {
    return { limit: (key) => (counts.calls++, inner.limit(key)) };
  }
  /** A pool that counts the verifications (argon2 runs) it lets start. */
  function countingPool(options: ConstructorParameters<typeof VerificationPool>[0]) {
    const pool = new VerificationPool(options);
    const counts = { verifications: 0 };
    const admit = pool.admit.bind(pool);
    pool.admit = (deviceLane) => {
      const admission = admit(deviceLane);
      return { lane: admission.lane, release: admission.release, verify: (recognised, verify) => admission.verify(recognised, () => (counts.verifications++, verify())) };
    };
    return { pool, counts };
  }
  const deviceTokenFor = (user: { id: string; email: string }) => signDeviceToken(user.id, SECRET, { emailHash: hashEmail(user.email) });

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    hash = await hashPassword(PASSWORD);
    outbox = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-flood-outbox-"));
  });
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it("counts every refusal it records on the flood gauge the background chores read", async () => {
    const gauge = new FloodGauge(3);
    const recorder = new RefusalRecorder(t.db, 60_000, 5000, gauge);
    const row = { userId: null, emailHash: hashEmail(`gauge-${run}@example.org`), method: "password", clientAddressHash: null, deviceSummary: null };
    for (let i = 0; i < 3; i++) recorder.add(row);
    expect(gauge.refusals()).toBe(3);
    expect(gauge.flooded()).toBe(true);
    await recorder.flush();
  });

  it("logs and drops a batch of refusals the database will not take, never rejects, and writes the batches after it", async () => {
    const recorder = new RefusalRecorder(t.db, 60_000);
    const emailHash = `refusal-batch-${run}`;
    recorder.add({ userId: randomUUID(), emailHash, method: "password" }); // no such person: the foreign key refuses the batch
    await expect(recorder.flush()).resolves.toBeUndefined();
    recorder.add({ userId: null, emailHash, method: "password" });
    await expect(recorder.flush()).resolves.toBeUndefined();
    const rows = await t.db.select().from(signInAttempts).where(eq(signInAttempts.emailHash, emailHash));
    expect(rows.map((r) => [r.userId, r.outcome])).toEqual([[null, "rate_limited"]]);
  });

  it("answers 429 at once when the verification pool and its queue are full, even to the right password", async () => {
    const user = await newUser();
    const g = guard({ pool: new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 0 }) });
    let release!: () => void;
    const busy = g.pool.run(false, () => new Promise<void>((r) => (release = r)));
    const refused = await attempt({ limiters: limiters(), guard: g }, { email: user.email, password: PASSWORD });
    expect(refused).toMatchObject({ ok: false, reason: "rate_limited" });
    expect((refused as { retryAt: number }).retryAt).toBeGreaterThan(Date.now());
    await g.recorder.flush();
    // Refused before the account was even looked up: recorded under the email's keyed hash.
    expect((await t.db.select().from(signInAttempts).where(eq(signInAttempts.emailHash, hashEmail(user.email)))).map((a) => a.outcome)).toEqual(["rate_limited"]);
    release();
    await busy;
    expect(await attempt({ limiters: limiters(), guard: g }, { email: user.email, password: PASSWORD })).toMatchObject({ ok: true });
  });

  it("gives a successful sign-in a device cookie that gets that browser past its own account's lockout", async () => {
    const user = await newUser();
    const deps = { limiters: limiters(2), guard: guard() };
    const first = await attempt(deps, { email: user.email, password: PASSWORD });
    expect(first).toMatchObject({ ok: true, deviceToken: expect.any(String) });
    const deviceToken = (first as { deviceToken: string }).deviceToken;
    // It carries the keyed hash of the account's email, which chooses the device lane before any lookup.
    expect(await readDeviceToken(deviceToken, SECRET)).toMatchObject({ userId: user.id, emailHash: hashEmail(user.email) });
    await locked(deps, user.email);
    expect(await attempt(deps, { email: user.email, password: PASSWORD, deviceToken })).toMatchObject({ ok: true, userId: user.id });
    // Still the password that decides: the device cookie is no key.
    expect(await attempt(deps, { email: user.email, password: "a wrong guess", deviceToken })).toMatchObject({ ok: false, reason: "invalid" });
  });

  it("refuses a device cookie of another account, an expired one, a forged one, and one without the guard's secret", async () => {
    const [user, other] = [await newUser(), await newUser()];
    const deps = { limiters: limiters(2), guard: guard() };
    await locked(deps, user.email);
    for (const deviceToken of [
      await signDeviceToken(other.id, SECRET),
      await signDeviceToken(user.id, SECRET, { maxAgeSeconds: -60 }),
      await signDeviceToken(user.id, "another-secret-0123456789abcdef0123456789"),
      `${(await signDeviceToken(user.id, SECRET)).slice(0, -4)}AAAA`,
    ]) {
      expect(await attempt(deps, { email: user.email, password: PASSWORD, deviceToken })).toMatchObject({ ok: false, reason: "rate_limited" });
    }
    // The other account's own cookie works for the other account only.
    expect(await attempt(deps, { email: other.email, password: PASSWORD, deviceToken: await signDeviceToken(other.id, SECRET) })).toMatchObject({ ok: true });
  });

  it("limits a recognised device on its own, so a stolen device cookie still guesses slowly", async () => {
    const user = await newUser();
    const deps = { limiters: limiters(2), guard: guard({ perDevice: limiter(3) }) };
    const deviceToken = await signDeviceToken(user.id, SECRET);
    for (let i = 0; i < 3; i++) expect(await attempt(deps, { email: user.email, password: "a wrong guess", deviceToken })).toMatchObject({ reason: "invalid" });
    expect(await attempt(deps, { email: user.email, password: PASSWORD, deviceToken })).toMatchObject({ ok: false, reason: "rate_limited" });
  });

  it("lets a recognised device through a pool the flood has filled, on the slot kept for devices", async () => {
    const user = await newUser();
    const g = guard({ pool: new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 0 }) });
    let release!: () => void;
    const flood = g.pool.run(false, () => new Promise<void>((r) => (release = r)));
    const deps = { limiters: limiters(), guard: g };
    expect(await attempt(deps, { email: user.email, password: PASSWORD })).toMatchObject({ reason: "rate_limited" });
    // The cookie a sign-in leaves names the account's email (its keyed hash), which admits it without a lookup.
    expect(await attempt(deps, { email: user.email, password: PASSWORD, deviceToken: await deviceTokenFor(user) })).toMatchObject({ ok: true });
    release();
    await flood;
  });

  it("checks a recognised device's password in the server, and every other attempt's in the background verifier", async () => {
    const user = await newUser();
    const background = new BackgroundVerifier();
    try {
      const deps = { limiters: limiters(), guard: guard({ background }) };
      expect(await attempt(deps, { email: user.email, password: PASSWORD })).toMatchObject({ ok: true });
      expect(await attempt(deps, { email: user.email, password: "a wrong guess" })).toMatchObject({ ok: false, reason: "invalid" });
      expect(await attempt(deps, { email: `nobody-${run}@example.org`, password: PASSWORD })).toMatchObject({ ok: false, reason: "invalid" });
      expect(background.stats).toMatchObject({ inChild: 3, inProcess: 0 });
      const deviceToken = await deviceTokenFor(user);
      expect(await attempt(deps, { email: user.email, password: PASSWORD, deviceToken })).toMatchObject({ ok: true });
      expect(await attempt(deps, { email: user.email, password: "a wrong guess", deviceToken })).toMatchObject({ ok: false, reason: "invalid" });
      expect(background.stats).toMatchObject({ inChild: 3, inProcess: 0 });
      // Another account's cookie recognises nothing here: that attempt goes to the background like any other.
      const other = await newUser();
      expect(await attempt(deps, { email: user.email, password: PASSWORD, deviceToken: await deviceTokenFor(other) })).toMatchObject({ ok: true });
      expect(background.stats.inChild).toBe(4);
    } finally {
      background.close();
    }
  });

  it("refuses a burst from one address before the shared limits, and only that address", async () => {
    const user = await newUser();
    const deps = { limiters: limiters(), guard: guard({ burstPerAddress: createMemoryRateLimiter({ name: "burst", limit: 3, windowMs: 3_600_000 }) }) };
    for (let i = 0; i < 3; i++) await attempt(deps, { email: `nobody-${i}@example.org`, password: "guess", clientAddress: "192.0.2.66" });
    expect(await attempt(deps, { email: user.email, password: PASSWORD, clientAddress: "192.0.2.66" })).toMatchObject({ ok: false, reason: "rate_limited" });
    expect(await attempt(deps, { email: user.email, password: PASSWORD, clientAddress: "192.0.2.67" })).toMatchObject({ ok: true });
    // The person's own browser, known by its device cookie, is held to its device limit instead.
    expect(await attempt(deps, { email: user.email, password: PASSWORD, clientAddress: "192.0.2.66", deviceToken: await signDeviceToken(user.id, SECRET) })).toMatchObject({ ok: true });
  });

  it("lets the person recover by password reset while the account is locked: the reset gives that browser a device cookie", async () => {
    const user = await newUser();
    const deps = { limiters: limiters(2), guard: guard() };
    await locked(deps, user.email);
    const mailer = createOutboxMailer(outbox, "Rampart <no-reply@rampart.test>");
    expect(await requestPasswordReset({ db: t.db, mailer, appUrl: "http://rampart.test", limiters: limiters() }, user.email, null)).toEqual({ ok: true });
    const mail = fs
      .readdirSync(outbox)
      .map((f) => JSON.parse(fs.readFileSync(path.join(outbox, f), "utf8")) as MailMessage)
      .find((m) => m.to === user.email);
    const token = /token=([A-Za-z0-9_-]+)/.exec(mail!.text)![1]!;
    const reset = await resetPassword(t.db, token, NEW_PASSWORD);
    expect(reset).toEqual({ ok: true, userId: user.id, emailHash: hashEmail(user.email), deviceEpoch: 1 });
    // What the reset action sets in the browser (app/(public)/actions.ts).
    const deviceToken = await signDeviceToken(reset.ok ? reset.userId : "", SECRET, { emailHash: reset.ok ? reset.emailHash : "", epoch: reset.ok ? reset.deviceEpoch : 0 });
    expect(await attempt(deps, { email: user.email, password: NEW_PASSWORD, deviceToken })).toMatchObject({ ok: true });
    expect(await attempt(deps, { email: user.email, password: NEW_PASSWORD })).toMatchObject({ ok: false, reason: "rate_limited" });
  });

  it("forgets the devices recognised before a password change: their cookies no longer pass a lockout, the changing browser's new one does", async () => {
    const user = await newUser();
    const deps = { limiters: limiters(2), guard: guard() };
    const signedIn = await attempt(deps, { email: user.email, password: PASSWORD });
    const before = signedIn.ok ? signedIn.deviceToken! : "";
    expect((await readDeviceToken(before, SECRET))?.epoch).toBe(0);
    const changed = await changePassword(t.db, { userId: user.id, currentPassword: PASSWORD, newPassword: NEW_PASSWORD, keepSessionId: randomUUID() });
    expect(changed).toEqual({ ok: true, device: { emailHash: hashEmail(user.email), epoch: 1 } });
    // What the change action sets in the browser that changed it (app/settings/security/actions.ts).
    const after = await signDeviceToken(user.id, SECRET, changed.ok ? changed.device : {});
    await locked(deps, user.email); // two wrong guesses from elsewhere: the account is locked
    expect(await attempt(deps, { email: user.email, password: NEW_PASSWORD, deviceToken: before })).toMatchObject({ ok: false, reason: "rate_limited" });
    const fresh = await attempt(deps, { email: user.email, password: NEW_PASSWORD, deviceToken: after });
    expect(fresh).toMatchObject({ ok: true });
    // A sign-in issues the current epoch from then on.
    expect((await readDeviceToken(fresh.ok ? fresh.deviceToken : "", SECRET))?.epoch).toBe(1);
  });

  it("shows the owner the attempts a full pool refused before any lookup (by the email's keyed hash), and nobody else", async () => {
    const [user, other] = [await newUser(), await newUser()];
    const pool = new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 0 });
    const held = pool.admit(false); // the one ordinary slot is taken: the next ordinary attempt is refused at admission
    const deps = { limiters: limiters(), guard: guard({ pool }) };
    try {
      for (const [email, times] of [[user.email, 3], [other.email, 1]] as const)
        for (let i = 0; i < times; i++) expect(await attempt(deps, { email, password: "a guess", clientAddress: `203.0.113.${40 + i}` })).toMatchObject({ ok: false, reason: "rate_limited" });
    } finally {
      held.release();
    }
    await deps.guard.recorder.flush();
    const recorded = await t.db.select({ userId: signInAttempts.userId }).from(signInAttempts).where(eq(signInAttempts.emailHash, hashEmail(user.email)));
    expect(recorded).toEqual([{ userId: null }, { userId: null }, { userId: null }]); // refused before the account was read
    expect(await signInAttackSummary(t.db, user)).toMatchObject({ wrongPasswords: 0, refused: 3, addresses: 3 });
    expect(await signInAttackSummary(t.db, other)).toMatchObject({ refused: 1, addresses: 1 });
    expect((await listSignInHistory(t.db, user)).map((h) => h.outcome)).toEqual(["rate_limited", "rate_limited", "rate_limited"]);
    const third = await newUser();
    expect(await signInAttackSummary(t.db, third)).toBeNull();
    expect(await listSignInHistory(t.db, third)).toEqual([]);
  });

  it("shows the owner the attack in the sign-in history, and samples the refusals into the audit chain", async () => {
    const user = await newUser();
    const deps = { limiters: limiters(2), guard: guard() };
    for (let i = 0; i < 12; i++) await attempt(deps, { email: user.email, password: `guess ${i}`, clientAddress: `203.0.113.${10 + (i % 4)}` });
    await deps.guard.recorder.flush();
    const summary = await signInAttackSummary(t.db, user);
    expect(summary).toMatchObject({ wrongPasswords: 2, refused: 10, addresses: 4 });
    expect(describeAttack(summary!)).toBe("In the last 24 hours: 2 wrong passwords and 10 refused attempts from 4 addresses.");
    expect(await signInAttackSummary(t.db, await newUser())).toBeNull();
    const audited = await withAuditSystemScope(t.db, (tx) =>
      tx.select({ reason: auditEvents.metadata }).from(auditEvents).where(and(eq(auditEvents.actorId, user.id), eq(auditEvents.action, "auth.sign_in.failed"))),
    );
    expect(audited.map((a) => a.reason)).toEqual([{ reason: "invalid_credentials" }, { reason: "invalid_credentials" }, { reason: "rate_limited" }]);
  });

  it("turns away what it already refused without asking the limiters, except that account's own device", async () => {
    const user = await newUser();
    const g = guard();
    const deps = { limiters: limiters(2), guard: g };
    await locked(deps, user.email);
    const at = { emailHash: hashEmail(user.email), addressHash: "any-address" };
    expect(await knownRefusal(g, at)).toMatchObject({ userId: user.id });
    expect(await knownRefusal(g, { ...at, deviceToken: await signDeviceToken((await newUser()).id, SECRET) })).toMatchObject({ userId: user.id });
    expect(await knownRefusal(g, { ...at, deviceToken: await signDeviceToken(user.id, SECRET) })).toBeNull();
    // A blocked address: refused unless the browser has a valid device cookie, which then goes on to the precise checks.
    g.memo.blockAddress("blocked-address", Date.now() + 60_000);
    const other = { emailHash: hashEmail("someone@example.org"), addressHash: "blocked-address" };
    expect(await knownRefusal(g, other)).toMatchObject({ userId: null });
    expect(await knownRefusal(g, { ...other, deviceToken: await signDeviceToken(user.id, SECRET) })).toBeNull();
    expect(await knownRefusal(g, { ...other, addressHash: "free-address" })).toBeNull();
    // A full verification pool turns away browsers it does not know at once; a known device goes on to its slot.
    const full = guard({ pool: new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 0 }) });
    let release!: () => void;
    const busy = full.pool.run(false, () => new Promise<void>((r) => (release = r)));
    const free = { ...other, addressHash: "free-address" };
    expect(await knownRefusal(full, free)).toMatchObject({ userId: null, until: expect.any(Number) });
    // A device cookie goes on to the device lane only when it names the submitted email (no lookup to tell otherwise).
    expect(await knownRefusal(full, { ...free, deviceToken: await signDeviceToken(user.id, SECRET) })).toMatchObject({ userId: null });
    expect(await knownRefusal(full, { ...free, emailHash: hashEmail(user.email), deviceToken: await deviceTokenFor(user) })).toBeNull();
    release();
    await busy;
    expect(await knownRefusal(full, free)).toBeNull();
    // Refusals still reach the history, in one batch.
    await g.recorder.flush();
    const before = (await t.db.select().from(signInAttempts).where(eq(signInAttempts.userId, user.id))).length;
    for (let i = 0; i < 5; i++) await attempt(deps, { email: user.email, password: PASSWORD });
    await g.recorder.flush();
    expect((await t.db.select().from(signInAttempts).where(eq(signInAttempts.userId, user.id))).length).toBe(before + 5);
  });

  it("admits a burst of new addresses into a bounded gate before any lookup: the rest get 429 without a statement, a limiter call or argon2", async () => {
    const { db, counts } = countingDb();
    const { pool, counts: pooled } = countingPool({ slots: 2, reservedForDevices: 1, queue: 1 });
    const calls = { calls: 0 };
    const l = limiters();
    const deps = { db, policy, limiters: { ...l, signInPerAccount: counted(l.signInPerAccount, calls), signInPerAddress: counted(l.signInPerAddress, calls) }, guard: guard({ pool }) };
    // Ten guesses from ten new addresses at once: none is known to be refused yet, so all pass the early check.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        signInWithPassword(deps, { email: `nobody-${i}-${run}@example.org`, password: "a guess", clientAddress: `198.51.100.${100 + i}`, userAgent: "curl/8" }),
      ),
    );
    // Two admitted (the open slot and the queue of one): each looked its account up, asked both limiters, ran argon2 and was recorded.
    expect(results.filter((r) => !r.ok && r.reason === "invalid")).toHaveLength(2);
    expect(results.filter((r) => !r.ok && r.reason === "rate_limited")).toHaveLength(8);
    expect(counts.statements).toBe(2 * 2); // a lookup and the unknown_account row each; the refusals wait for the recorder
    expect(calls.calls).toBe(2 * 2);
    expect(pooled.verifications).toBe(2);
    expect(pool.stats).toMatchObject({ admittedOthers: 0, admittedDevices: 0, running: 0 });
    // Each refusal still reaches the sign-in history (in the recorder's batch).
    await deps.guard.recorder.flush();
    const hashes = Array.from({ length: 10 }, (_, i) => hashEmail(`nobody-${i}-${run}@example.org`));
    const rows = await t.db.select().from(signInAttempts).where(inArray(signInAttempts.emailHash, hashes));
    expect(rows.map((r) => r.outcome).sort()).toEqual([...Array<string>(8).fill("rate_limited"), "unknown_account", "unknown_account"]);
  });

  it("admits a browser whose device cookie names the submitted email ahead of a full gate; other cookies wait in the ordinary lane", async () => {
    const user = await newUser();
    const { db, counts } = countingDb();
    const g = guard({ pool: new VerificationPool({ slots: 2, reservedForDevices: 1, queue: 0 }) });
    const flood = g.pool.admit(false); // the ordinary lane is taken (an attempt doing its lookup)
    const deps = { db, policy, limiters: limiters(), guard: g };
    const at = (deviceToken?: string) => signInWithPassword(deps, { email: user.email, password: PASSWORD, clientAddress: "198.51.100.30", userAgent: "Mozilla/5.0", deviceToken });
    // Refused at once, nothing looked up: no cookie, a cookie without the email's hash, one for another email.
    for (const token of [undefined, await signDeviceToken(user.id, SECRET), await signDeviceToken(user.id, SECRET, { emailHash: hashEmail("else@example.org") })]) {
      expect(await at(token)).toMatchObject({ ok: false, reason: "rate_limited" });
    }
    expect(counts.statements).toBe(0);
    const signedIn = await at(await deviceTokenFor(user));
    expect(signedIn).toMatchObject({ ok: true, userId: user.id });
    // The lane is no key: the password still decides.
    expect(await signInWithPassword(deps, { email: user.email, password: "a wrong guess", clientAddress: "198.51.100.30", deviceToken: await deviceTokenFor(user) })).toMatchObject({
      ok: false,
      reason: "invalid",
    });
    flood.release();
    expect(g.pool.stats).toMatchObject({ admittedOthers: 0, admittedDevices: 0 });
    expect(await at()).toMatchObject({ ok: true, userId: user.id });
  });

  it("gives the admission back on every path: success, wrong password, unknown account, each limit, disabled, and a failing limiter", async () => {
    const user = await newUser();
    const disabled = await newUser();
    await t.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabled.id));
    const g = guard({ burstPerAddress: createMemoryRateLimiter({ name: "burst", limit: 1, windowMs: 3_600_000 }) });
    const deps = { limiters: limiters(2), guard: g };
    const outcomes = [
      await attempt(deps, { email: user.email, password: PASSWORD, clientAddress: "192.0.2.80" }),
      await attempt(deps, { email: user.email, password: "wrong", clientAddress: "192.0.2.81" }),
      await attempt(deps, { email: `nobody-${run}@example.org`, password: "wrong", clientAddress: "192.0.2.82" }),
      await attempt(deps, { email: disabled.email, password: PASSWORD, clientAddress: "192.0.2.83" }),
      await attempt(deps, { email: user.email, password: PASSWORD, clientAddress: "192.0.2.80" }), // the burst of 1 at .80 spent
      await attempt(deps, { email: user.email, password: PASSWORD, clientAddress: "192.0.2.84" }), // the account's 3rd: over its 2
      await attempt(deps, { email: user.email, password: PASSWORD, clientAddress: "192.0.2.85", deviceToken: await deviceTokenFor(user) }),
    ];
    expect(outcomes.map((o) => (o.ok ? "ok" : o.reason))).toEqual(["ok", "invalid", "invalid", "disabled", "rate_limited", "rate_limited", "ok"]);
    const failing: RateLimiter = { limit: () => Promise.reject(new Error("limiter down")) };
    await expect(attempt({ limiters: { ...limiters(), signInPerAddress: failing }, guard: g }, { email: `nobody-else-${run}@example.org`, password: PASSWORD, clientAddress: "192.0.2.86" })).rejects.toThrow("limiter down");
    await expect(
      attempt({ limiters: { ...limiters(), signInPerAddress: failing }, guard: g }, { email: user.email, password: PASSWORD, clientAddress: "192.0.2.87", deviceToken: await deviceTokenFor(user) }),
    ).rejects.toThrow("limiter down");
    expect(g.pool.stats).toEqual({ running: 0, waitingDevices: 0, waitingOthers: 0, admittedDevices: 0, admittedOthers: 0 });
  });

  it("turns a device over its own limit away without a round trip afterwards, until its window ends", async () => {
    const user = await newUser();
    const g = guard({ perDevice: limiter(1) });
    const deviceToken = await deviceTokenFor(user);
    const deps = { limiters: limiters(), guard: g };
    expect(await attempt(deps, { email: user.email, password: "wrong", deviceToken })).toMatchObject({ reason: "invalid" });
    expect(await attempt(deps, { email: user.email, password: PASSWORD, deviceToken })).toMatchObject({ reason: "rate_limited" });
    const at = { emailHash: hashEmail(user.email), addressHash: "any-address", deviceToken };
    expect(await knownRefusal(g, at)).toMatchObject({ userId: user.id, until: expect.any(Number) });
    // Another browser of the same person (another device) is not affected.
    expect(await knownRefusal(g, { ...at, deviceToken: await deviceTokenFor(user) })).toBeNull();
  });

  it("answers an unknown account as a known one when a device cookie is sent for it", async () => {
    const deps = { limiters: limiters(), guard: guard() };
    expect(await attempt(deps, { email: `nobody-${randomUUID()}@example.org`, password: PASSWORD, deviceToken: await signDeviceToken(randomUUID(), SECRET) })).toEqual({
      ok: false,
      reason: "invalid",
    });
  });
});
