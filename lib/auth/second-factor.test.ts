import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { generate } from "otplib";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { sessions, users } from "@/db/schema";
import { auditEvents } from "@/db/schema/audit";
import { withPerson } from "@/lib/db/tenant";
import { createPostgresRateLimiter, type RateLimiter } from "@/lib/ratelimit";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import type { AuthLimiters } from "./limits";
import { hashPassword } from "./password";
import { issueRecoveryCodes } from "./recovery-codes";
import { checkSecondFactor, codeProof } from "./second-factor";
import { disableTotp, removeOwnSecurityKey } from "./security-settings";
import { signInWithPassword } from "./sign-in";
import { rp, SoftAuthenticator } from "./test-helpers";
import { beginTotpEnrolment, confirmTotpEnrolment, hasTotp } from "./totp";
import { beginSecurityKeyAuthentication, beginSecurityKeyRegistration, finishSecurityKeyRegistration, hasSecurityKeys } from "./webauthn";

const PASSWORD = "violet tugboat marmalade quarry";
const WINDOW_MS = 60_000;
const run = randomBytes(4).toString("hex");
const otherCode = (code: string, by = 1) => String((Number(code) + by) % 1_000_000).padStart(6, "0");
/** Now, in seconds, on the faked clock: the app codes below are made for it and checked against it. */
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe.each(testBackends())("one second-factor check for every purpose (%s)", (backend) => {
  let t: TestDatabase;
  let passwordHash: string;
  let n = 0;
  let limiterCount = 0;

  const limiter = (limit: number): RateLimiter => createPostgresRateLimiter(t.db, { name: `2fa-${run}-${++limiterCount}`, limit, windowMs: WINDOW_MS });
  /** The real limits of sign-in with a narrow second-factor budget, the one the three paths must share. */
  function limiters(secondFactorPerAccount: RateLimiter): AuthLimiters {
    const generous = () => limiter(1000);
    return {
      signInPerAccount: generous(),
      signInPerAddress: generous(),
      signUpPerAddress: generous(),
      resetPerAccount: generous(),
      resetPerAddress: generous(),
      secondFactorPerAccount,
    };
  }

  async function newUser() {
    const [user] = await t.db
      .insert(users)
      .values({ email: `factor-${++n}-${run}@example.org`, name: `Factor ${n}`, passwordHash, emailVerifiedAt: new Date() })
      .returning();
    return { id: user!.id, email: user!.email, name: user!.name };
  }
  async function enrolTotp(user: { id: string; email: string }): Promise<string> {
    const { secret } = await beginTotpEnrolment(t.db, user);
    expect(await confirmTotpEnrolment(t.db, user.id, await generate({ secret, epoch: nowSeconds() - 30 }))).toBe(true);
    return secret;
  }
  async function enrolKey(user: { id: string; email: string; name: string }): Promise<SoftAuthenticator> {
    const key = new SoftAuthenticator();
    const options = await beginSecurityKeyRegistration(t.db, user, rp);
    expect(await finishSecurityKeyRegistration(t.db, user.id, { name: "Blue key", response: JSON.stringify(key.register(options)) }, rp)).toMatchObject({ ok: true });
    return key;
  }
  async function stepUpAssertion(user: { id: string }, key: SoftAuthenticator): Promise<string> {
    const options = await beginSecurityKeyAuthentication(t.db, user.id, "step_up", rp);
    return JSON.stringify(key.assert(options!));
  }
  const stepUpFailures = (userId: string) =>
    withPerson(t.db, userId, (tx) => tx.select({ action: auditEvents.action, metadata: auditEvents.metadata }).from(auditEvents).where(eq(auditEvents.actorId, userId))).then(
      (rows) => rows.filter((r) => r.action === "auth.step_up.failed").map((r) => r.metadata),
    );

  /** The clock is pinned to the start of a limiter window, so a burst of tries cannot straddle a window edge. */
  function pinClock(): number {
    vi.useFakeTimers({ toFake: ["Date"] });
    const windowStart = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS;
    vi.setSystemTime(windowStart + 1_000);
    return windowStart;
  }

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    passwordHash = await hashPassword(PASSWORD);
  });
  afterAll(async () => t?.drop());
  afterEach(() => vi.useRealTimers());

  it("refuses the (N+1)th code to turn off the app, even the right one, until the window has passed", async () => {
    const N = 3;
    const windowStart = pinClock();
    const user = await newUser();
    const secret = await enrolTotp(user);
    await issueRecoveryCodes(t.db, user.id);
    const deps = { db: t.db, limiters: { secondFactorPerAccount: limiter(N) }, rp };
    const right = await generate({ secret, epoch: nowSeconds() });

    expect(await disableTotp(deps, user, codeProof(otherCode(right, 1)))).toEqual({ ok: false, reason: "failed", method: "totp" });
    expect(await disableTotp(deps, user, codeProof(otherCode(right, 2)))).toEqual({ ok: false, reason: "failed", method: "totp" });
    expect(await disableTotp(deps, user, codeProof("wrong-guess"))).toEqual({ ok: false, reason: "failed", method: "recovery_code" });
    expect(await disableTotp(deps, user, codeProof(otherCode(right, 3)))).toEqual({ ok: false, reason: "rate_limited", retryAt: windowStart + WINDOW_MS });
    expect(await disableTotp(deps, user, codeProof(right))).toEqual({ ok: false, reason: "rate_limited", retryAt: windowStart + WINDOW_MS });
    expect(await hasTotp(t.db, user.id)).toBe(true);

    // Each refusal is in the person's activity, the limit's as much as the wrong codes.
    expect(await stepUpFailures(user.id)).toEqual([
      { purpose: "disable_totp", reason: "second_factor_failed", secondFactor: "totp" },
      { purpose: "disable_totp", reason: "second_factor_failed", secondFactor: "totp" },
      { purpose: "disable_totp", reason: "second_factor_failed", secondFactor: "recovery_code" },
      { purpose: "disable_totp", reason: "rate_limited" },
      { purpose: "disable_totp", reason: "rate_limited" },
    ]);

    // Both the current and the previous window have to be over for a sliding window to forget.
    vi.setSystemTime(windowStart + 2 * WINDOW_MS + 1_000);
    expect(await disableTotp(deps, user, codeProof(await generate({ secret, epoch: nowSeconds() })))).toEqual({ ok: true });
    expect(await hasTotp(t.db, user.id)).toBe(false);
  });

  it("gives sign-in, turning off the app and removing a key one budget together, not one each", async () => {
    const N = 3;
    pinClock();
    const user = await newUser();
    const secret = await enrolTotp(user);
    const key = await enrolKey(user);
    const [recoveryCode] = await issueRecoveryCodes(t.db, user.id);
    const budget = limiter(N);
    const deps = { db: t.db, limiters: { secondFactorPerAccount: budget }, rp };
    const signIn = (proof: { totpCode?: string; recoveryCode?: string }) =>
      signInWithPassword({ db: t.db, policy: { maxAgeSeconds: 3600, idleTimeoutSeconds: 3600 }, limiters: limiters(budget), rp }, { email: user.email, password: PASSWORD, ...proof });
    const right = await generate({ secret, epoch: nowSeconds() });

    expect(await signIn({ totpCode: otherCode(right) })).toEqual({ ok: false, reason: "second_factor_failed" });
    expect(await disableTotp(deps, user, codeProof(otherCode(right, 2)))).toMatchObject({ ok: false, reason: "failed" });
    expect(await removeOwnSecurityKey(deps, user, key.id, codeProof("aaaaa-bbbbb"))).toMatchObject({ ok: false, reason: "failed" });

    // The budget is spent: the right factor is refused on every path.
    expect(await signIn({ recoveryCode })).toMatchObject({ ok: false, reason: "rate_limited" });
    expect(await disableTotp(deps, user, codeProof(right))).toMatchObject({ ok: false, reason: "rate_limited" });
    expect(await removeOwnSecurityKey(deps, user, key.id, { method: "webauthn", response: await stepUpAssertion(user, key) })).toMatchObject({
      ok: false,
      reason: "rate_limited",
    });
    expect(await hasTotp(t.db, user.id)).toBe(true);
    expect(await hasSecurityKeys(t.db, user.id)).toBe(true);
    expect(await t.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(0);
  });

  it("counts another person's tries apart: the budget is per account", async () => {
    pinClock();
    const [alice, bob] = [await newUser(), await newUser()];
    const [aliceSecret] = [await enrolTotp(alice), await enrolTotp(bob)];
    const deps = { db: t.db, limiters: { secondFactorPerAccount: limiter(1) }, rp };
    expect(await checkSecondFactor(deps, bob, "disable_totp", codeProof("000000"))).toMatchObject({ ok: false });
    expect(await checkSecondFactor(deps, bob, "disable_totp", codeProof("000000"))).toMatchObject({ ok: false, reason: "rate_limited" });
    expect(await checkSecondFactor(deps, alice, "disable_totp", codeProof(await generate({ secret: aliceSecret, epoch: nowSeconds() })))).toEqual({
      ok: true,
      method: "totp",
    });
  });

  it("answers 'no such factor' for a factor the person lacks, and still counts the try", async () => {
    pinClock();
    const user = await newUser();
    const key = await enrolKey(user);
    const deps = { db: t.db, limiters: { secondFactorPerAccount: limiter(1) }, rp };
    expect(await checkSecondFactor(deps, user, "remove_security_key", codeProof("123456"))).toEqual({ ok: false, reason: "no_such_factor", method: "totp" });
    expect(await checkSecondFactor(deps, user, "remove_security_key", { method: "webauthn", response: await stepUpAssertion(user, key) })).toMatchObject({
      ok: false,
      reason: "rate_limited",
    });
  });

  it("checks a security key against a challenge for its own purpose", async () => {
    const user = await newUser();
    const key = await enrolKey(user);
    const deps = { db: t.db, limiters: { secondFactorPerAccount: limiter(10) }, rp };
    const signInOptions = await beginSecurityKeyAuthentication(t.db, user.id, "sign_in", rp);
    expect(await checkSecondFactor(deps, user, "remove_security_key", { method: "webauthn", response: JSON.stringify(key.assert(signInOptions!)) })).toEqual({
      ok: false,
      reason: "failed",
      method: "webauthn",
    });
    expect(await checkSecondFactor(deps, user, "remove_security_key", { method: "webauthn", response: await stepUpAssertion(user, key) })).toEqual({
      ok: true,
      method: "webauthn",
    });
  });
});

describe("codeProof", () => {
  it("reads six digits as an app code and anything else as a recovery code", () => {
    expect(codeProof(" 123456 ")).toEqual({ method: "totp", code: "123456" });
    expect(codeProof("12345")).toEqual({ method: "recovery_code", code: "12345" });
    expect(codeProof(" abcde-fghij ")).toEqual({ method: "recovery_code", code: "abcde-fghij" });
  });
});

describe("no second factor is checked outside checkSecondFactor", () => {
  const ROOT = path.resolve(import.meta.dirname, "../..");
  /** Each checking function, and the only files that may name it: its own module and that module's test. */
  const checkers: Record<string, string[]> = {
    verifyTotpCode: ["lib/auth/totp.ts", "lib/auth/totp.test.ts"],
    consumeRecoveryCode: ["lib/auth/recovery-codes.ts", "lib/auth/recovery-codes.test.ts"],
    verifySecurityKeyAssertion: ["lib/auth/webauthn.ts", "lib/auth/webauthn.test.ts"],
  };
  const ALWAYS_ALLOWED = ["lib/auth/second-factor.ts", "lib/auth/second-factor.test.ts"];

  function sources(dir: string, out: string[] = []): string[] {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) sources(rel, out);
      else if (/\.(ts|tsx|js|jsx|mjs)$/.test(entry.name)) out.push(rel);
    }
    return out;
  }

  it.each(Object.entries(checkers))("%s is named only by second-factor.ts and its own module", (name, own) => {
    const files = [...sources("lib"), ...sources("app")];
    expect(files).toContain("lib/auth/second-factor.ts");
    const offenders = files.filter((f) => !ALWAYS_ALLOWED.includes(f) && !own.includes(f) && new RegExp(`\\b${name}\\b`).test(fs.readFileSync(path.join(ROOT, f), "utf8")));
    expect(offenders).toEqual([]);
    expect(fs.readFileSync(path.join(ROOT, "lib/auth/second-factor.ts"), "utf8")).toMatch(new RegExp(`\\b${name}\\(`));
  });
});
