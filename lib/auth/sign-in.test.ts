import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { generate } from "otplib";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { sessions, signInAttempts, signInOutcomes, users } from "@/db/schema";
import { hashClientAddress } from "@/lib/keys";
import { closeRedisClients, createPostgresRateLimiter, createRedisRateLimiter, type RateLimiter } from "@/lib/ratelimit";
import { createTestDatabase, testBackends, type TestBackend, type TestDatabase } from "@/lib/testing/databases";
import { hashEmail } from "./email";
import type { AuthLimiters } from "./limits";
import { hashPassword } from "./password";
import { issueRecoveryCodes } from "./recovery-codes";
import type { SessionPolicy } from "./sessions";
import { signInWithPassword, type SignInInput } from "./sign-in";
import { beginTotpEnrolment, confirmTotpEnrolment } from "./totp";

const PASSWORD = "violet tugboat marmalade quarry";
const WRONG = "violet tugboat marmalade quarrel";
const policy: SessionPolicy = { maxAgeSeconds: 24 * 3600, idleTimeoutSeconds: 7200 };
const redisUrl = process.env.RAMPART_TEST_REDIS_URL;
const run = randomBytes(4).toString("hex");

let passwordHash: Promise<string> | undefined;
const knownHash = () => (passwordHash ??= hashPassword(PASSWORD));

const databases = new Map<TestBackend, Promise<TestDatabase>>();
function database(backend: TestBackend): Promise<TestDatabase> {
  let db = databases.get(backend);
  if (!db) databases.set(backend, (db = createTestDatabase(backend)));
  return db;
}
afterAll(async () => {
  await closeRedisClients();
  await Promise.all([...databases.values()].map(async (db) => (await db).drop()));
});
afterEach(() => vi.useRealTimers());

type Subject = { db: TestBackend; limiter: "postgres" | "redis" };
const subjects: Subject[] = [
  ...testBackends().map((db) => ({ db, limiter: "postgres" as const })),
  ...(redisUrl ? [{ db: "pglite" as const, limiter: "redis" as const }] : []),
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const STEP = 30;
async function steadyNow(): Promise<number> {
  const intoStep = (Date.now() / 1000) % STEP;
  if (intoStep > STEP - 5) await new Promise((r) => setTimeout(r, (STEP - intoStep + 0.2) * 1000));
  return Math.floor(Date.now() / 1000);
}

describe.each(subjects)("signInWithPassword (database $db, limits on $limiter)", (subject) => {
  let t: TestDatabase;
  let n = 0;
  let limiterCount = 0;

  function limiter(limit: number, windowMs = 60_000): RateLimiter {
    const options = { name: `t${run}-${subject.db}-${subject.limiter}-${++limiterCount}`, limit, windowMs };
    return subject.limiter === "redis" ? createRedisRateLimiter(redisUrl!, options) : createPostgresRateLimiter(t.db, options);
  }
  /** Fresh limiters for one test (generous unless a test narrows one), so tests never share counters. */
  function limiters(overrides: Partial<Record<keyof AuthLimiters, RateLimiter>> = {}): AuthLimiters {
    return {
      signInPerAccount: limiter(100),
      signInPerAddress: limiter(1000),
      signUpPerAddress: limiter(100),
      resetPerAccount: limiter(100),
      resetPerAddress: limiter(100),
      secondFactorPerAccount: limiter(100),
      ...overrides,
    };
  }

  async function newUser(options: { verified?: boolean; disabled?: boolean } = {}) {
    const email = `person-${++n}-${subject.limiter}@example.org`;
    const [user] = await t.db
      .insert(users)
      .values({
        email,
        name: `Person ${n}`,
        passwordHash: await knownHash(),
        emailVerifiedAt: options.verified === false ? null : new Date(),
        disabledAt: options.disabled ? new Date() : null,
      })
      .returning();
    return { id: user!.id, email };
  }
  const sessionsOf = (userId: string) => t.db.select().from(sessions).where(eq(sessions.userId, userId));
  const attemptsOf = (emailHash: string) => t.db.select().from(signInAttempts).where(eq(signInAttempts.emailHash, emailHash));
  const attempt = (deps: { limiters: AuthLimiters; onEmailUnverified?: (id: string) => Promise<void> }, input: SignInInput) =>
    signInWithPassword({ db: t.db, policy, ...deps }, { clientAddress: "198.51.100.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0", ...input });

  async function enrolTotp(user: { id: string; email: string }) {
    const { secret } = await beginTotpEnrolment(t.db, user);
    const now = await steadyNow();
    expect(await confirmTotpEnrolment(t.db, user.id, await generate({ secret, epoch: now - STEP }))).toBe(true);
    return { secret, now };
  }

  beforeAll(async () => {
    t = await database(subject.db);
    await knownHash();
  });

  it("signs in with the right password: a session row and a 'succeeded' record", async () => {
    const user = await newUser();
    const result = await attempt({ limiters: limiters() }, { email: user.email, password: PASSWORD });
    expect(result).toEqual({ ok: true, userId: user.id, sessionId: expect.any(String), secondFactor: null });
    const rows = await sessionsOf(user.id);
    expect(rows.map((s) => s.id)).toEqual([result.ok && result.sessionId]);
    expect(rows[0]!.deviceSummary).toBe("Firefox on Linux");
    expect((await attemptsOf(hashEmail(user.email))).map((a) => [a.outcome, a.userId, a.method])).toEqual([["succeeded", user.id, "password"]]);
  });

  it("normalises the email: case and surrounding spaces do not matter", async () => {
    const user = await newUser();
    const result = await attempt({ limiters: limiters() }, { email: `  ${user.email.toUpperCase()} `, password: PASSWORD });
    expect(result.ok).toBe(true);
  });

  it("answers an unknown account and a wrong password identically ('invalid'), with no session", async () => {
    const user = await newUser();
    const deps = { limiters: limiters() };
    const unknown = await attempt(deps, { email: `nobody-${run}@example.org`, password: PASSWORD });
    const wrong = await attempt(deps, { email: user.email, password: WRONG });
    expect(unknown).toEqual({ ok: false, reason: "invalid" });
    expect(wrong).toEqual(unknown);
    expect(await sessionsOf(user.id)).toHaveLength(0);
  });

  it("spends the same argon2 work on an unknown account as on a known one", async () => {
    const user = await newUser();
    const deps = { limiters: limiters() };
    await attempt(deps, { email: `warm-up-${run}@example.org`, password: WRONG }); // the dummy hash is made once per process
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      let t0 = performance.now();
      await attempt(deps, { email: user.email, password: WRONG });
      known.push(performance.now() - t0);
      t0 = performance.now();
      await attempt(deps, { email: `unknown-${i}-${run}@example.org`, password: WRONG });
      unknown.push(performance.now() - t0);
    }
    expect(median(unknown)).toBeGreaterThanOrEqual(0.5 * median(known));
  });

  it("refuses the (N+1)th attempt on an account even with the right password, until the window has passed", async () => {
    const N = 3;
    const windowMs = 60_000;
    vi.useFakeTimers({ toFake: ["Date"] });
    const windowStart = Math.floor(Date.now() / windowMs) * windowMs;
    vi.setSystemTime(windowStart + 1_000);
    const user = await newUser();
    const deps = { limiters: limiters({ signInPerAccount: limiter(N, windowMs) }) };
    for (let i = 0; i < N; i++) expect(await attempt(deps, { email: user.email, password: WRONG })).toEqual({ ok: false, reason: "invalid" });
    const refused = await attempt(deps, { email: user.email, password: PASSWORD });
    expect(refused).toEqual({ ok: false, reason: "rate_limited", retryAt: windowStart + windowMs });
    // Another spelling of the same address is the same account.
    expect((await attempt(deps, { email: user.email.toUpperCase(), password: PASSWORD })).ok).toBe(false);
    // Another account from the same address is not affected.
    expect((await attempt(deps, { email: (await newUser()).email, password: PASSWORD })).ok).toBe(true);
    expect(await sessionsOf(user.id)).toHaveLength(0);
    // Both the current and the previous window have to be over for a sliding window to forget.
    vi.setSystemTime(windowStart + 2 * windowMs + 1_000);
    expect((await attempt(deps, { email: user.email, password: PASSWORD })).ok).toBe(true);
    const outcomes = (await attemptsOf(hashEmail(user.email))).map((a) => a.outcome);
    expect(outcomes.filter((o) => o === "rate_limited")).toHaveLength(2);
  });

  it("limits one address across many accounts, while another address still gets in", async () => {
    const perAddress = 4;
    // Pinned to the start of a window: a burst straddling a window edge would let the sliding window forget a hit.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Math.floor(Date.now() / 60_000) * 60_000 + 1_000);
    const deps = { limiters: limiters({ signInPerAddress: limiter(perAddress) }) };
    const victim = await newUser();
    const attacker = "203.0.113.66";
    for (let i = 0; i < perAddress; i++) {
      const target = i % 2 === 0 ? (await newUser()).email : `guess-${i}-${run}@example.org`;
      expect(await attempt(deps, { email: target, password: WRONG, clientAddress: attacker })).toEqual({ ok: false, reason: "invalid" });
    }
    const blocked = await attempt(deps, { email: victim.email, password: PASSWORD, clientAddress: attacker });
    expect(blocked).toMatchObject({ ok: false, reason: "rate_limited" });
    expect((blocked as { retryAt: number }).retryAt).toBeGreaterThan(Date.now());
    expect(await attempt(deps, { email: victim.email, password: PASSWORD, clientAddress: "192.0.2.10" })).toMatchObject({ ok: true, userId: victim.id });
  });

  it("never yields a session for a password alone when TOTP is on; a valid code does, once", async () => {
    const user = await newUser();
    const { secret, now } = await enrolTotp(user);
    const deps = { limiters: limiters() };

    const passwordOnly = await attempt(deps, { email: user.email, password: PASSWORD });
    expect(passwordOnly).toMatchObject({ ok: false, reason: "second_factor_required", userId: user.id });
    expect(passwordOnly).not.toHaveProperty("sessionId");
    expect(await sessionsOf(user.id)).toHaveLength(0);

    const code = await generate({ secret, epoch: now });
    expect(await attempt(deps, { email: user.email, password: WRONG, totpCode: code })).toEqual({ ok: false, reason: "invalid" });
    const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    expect(await attempt(deps, { email: user.email, password: PASSWORD, totpCode: wrongCode })).toEqual({ ok: false, reason: "second_factor_failed" });
    expect(await sessionsOf(user.id)).toHaveLength(0);

    const signedIn = await attempt(deps, { email: user.email, password: PASSWORD, totpCode: code });
    expect(signedIn).toMatchObject({ ok: true, userId: user.id, secondFactor: "totp" });
    const rows = await sessionsOf(user.id);
    expect(rows.map((s) => [s.id, s.secondFactor])).toEqual([[signedIn.ok && signedIn.sessionId, "totp"]]);

    expect(await attempt(deps, { email: user.email, password: PASSWORD, totpCode: code })).toEqual({ ok: false, reason: "second_factor_failed" });
    expect(await sessionsOf(user.id)).toHaveLength(1);
  });

  it("accepts a recovery code instead of TOTP, once", async () => {
    const user = await newUser();
    await enrolTotp(user);
    const [code] = await issueRecoveryCodes(t.db, user.id);
    const deps = { limiters: limiters() };
    const signedIn = await attempt(deps, { email: user.email, password: PASSWORD, recoveryCode: code });
    expect(signedIn).toMatchObject({ ok: true, secondFactor: "recovery_code" });
    expect(await attempt(deps, { email: user.email, password: PASSWORD, recoveryCode: code })).toEqual({ ok: false, reason: "second_factor_failed" });
    const methods = (await attemptsOf(hashEmail(user.email))).map((a) => [a.outcome, a.method]);
    expect(methods).toContainEqual(["succeeded", "password+recovery_code"]);
  });

  it("limits second-factor guesses per account", async () => {
    const user = await newUser();
    const { secret, now } = await enrolTotp(user);
    // An hour-long window: the three guesses cannot straddle a window edge in practice (TOTP needs the real clock).
    const deps = { limiters: limiters({ secondFactorPerAccount: limiter(2, 3_600_000) }) };
    for (const guess of ["000001", "000002"]) expect((await attempt(deps, { email: user.email, password: PASSWORD, totpCode: guess })).ok).toBe(false);
    const code = await generate({ secret, epoch: now });
    expect(await attempt(deps, { email: user.email, password: PASSWORD, totpCode: code })).toMatchObject({ ok: false, reason: "rate_limited" });
    expect(await sessionsOf(user.id)).toHaveLength(0);
  });

  it("tells an unverified person so (after the right password only) and resends the link", async () => {
    const user = await newUser({ verified: false });
    const onEmailUnverified = vi.fn(async () => undefined);
    const deps = { limiters: limiters(), onEmailUnverified };
    expect(await attempt(deps, { email: user.email, password: WRONG })).toEqual({ ok: false, reason: "invalid" });
    expect(onEmailUnverified).not.toHaveBeenCalled();
    expect(await attempt(deps, { email: user.email, password: PASSWORD })).toEqual({ ok: false, reason: "unverified" });
    expect(onEmailUnverified).toHaveBeenCalledExactlyOnceWith(user.id);
    expect(await sessionsOf(user.id)).toHaveLength(0);
  });

  it("refuses a disabled account without a session", async () => {
    const user = await newUser({ disabled: true });
    expect(await attempt({ limiters: limiters() }, { email: user.email, password: PASSWORD })).toEqual({ ok: false, reason: "disabled" });
    expect(await sessionsOf(user.id)).toHaveLength(0);
  });

  it("records every outcome, with hashed addresses, no clear email for unknown accounts, and no password or code anywhere", async () => {
    const unknownEmail = `Ghost.Unknown-${run}@Example.org`;
    await attempt({ limiters: limiters() }, { email: unknownEmail, password: "an-unknown-persons-password", clientAddress: "192.0.2.99" });
    const [row] = await attemptsOf(hashEmail(unknownEmail.toLowerCase()));
    expect(row).toMatchObject({ userId: null, outcome: "unknown_account", emailHash: hashEmail(unknownEmail), clientAddressHash: hashClientAddress("192.0.2.99") });

    // Earlier tests in this block produced every outcome; the whole table is checked as text.
    const all = await t.db.select().from(signInAttempts);
    expect(new Set(all.map((a) => a.outcome))).toEqual(new Set(signInOutcomes));
    const dump = JSON.stringify(all).toLowerCase();
    for (const secret of [PASSWORD, WRONG, "an-unknown-persons-password", "marmalade", "ghost.unknown", `nobody-${run}`, `guess-1-${run}`, "@example.org", "198.51.100.7", "203.0.113.66", "192.0.2."])
      expect(dump, secret).not.toContain(secret.toLowerCase());
    expect(dump).not.toMatch(/"\d{6}"/);
    expect(all.every((a) => a.emailHash.length >= 32 && a.method.startsWith("password"))).toBe(true);
  });
});
