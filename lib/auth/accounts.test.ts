import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailTokens, users } from "@/db/schema";
import { hashClientAddress } from "@/lib/keys";
import { createOutboxMailer, type MailMessage } from "@/lib/mail";
import { createPostgresRateLimiter, type RateLimiter } from "@/lib/ratelimit";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { changePassword, LINK_LIFETIME_MS, requestPasswordReset, resendVerification, resetPassword, signUp, verifyEmail } from "./accounts";
import { hashEmail } from "./email";
import type { AuthLimiters } from "./limits";
import { hashPassword, verifyPassword } from "./password";
import { createSession, validateSession, type SessionPolicy } from "./sessions";

const APP_URL = "http://rampart.test";
const PASSWORD = "violet tugboat marmalade quarry";
const NEW_PASSWORD = "seventeen lanterns over the harbour wall";
const policy: SessionPolicy = { maxAgeSeconds: 24 * 3600, idleTimeoutSeconds: 7200 };
const ADDRESS = hashClientAddress("198.51.100.7");
const run = randomBytes(4).toString("hex");

describe.each(testBackends())("accounts (%s)", (backend) => {
  let t: TestDatabase;
  let outbox: string;
  let ctx: { db: TestDatabase["db"]; mailer: ReturnType<typeof createOutboxMailer>; appUrl: string; limiters: AuthLimiters };
  let n = 0;
  let limiterCount = 0;

  const limiter = (limit: number): RateLimiter => createPostgresRateLimiter(t.db, { name: `accounts-${run}-${++limiterCount}`, limit, windowMs: 3_600_000 });
  /** Limits generous enough never to get in the way, unless a test narrows one. */
  function limiters(overrides: Partial<AuthLimiters> = {}): AuthLimiters {
    return {
      signInPerAccount: limiter(1000),
      signInPerAddress: limiter(1000),
      signUpPerAddress: limiter(1000),
      resetPerAccount: limiter(1000),
      resetPerAddress: limiter(1000),
      secondFactorPerAccount: limiter(1000),
      ...overrides,
    };
  }
  let passwordHash: string;

  /** Every message in the outbox addressed to `to`, oldest first. */
  function mailTo(to: string): MailMessage[] {
    if (!fs.existsSync(outbox)) return [];
    return fs
      .readdirSync(outbox)
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(outbox, f), "utf8")) as MailMessage)
      .filter((m) => m.to === to);
  }
  const linkToken = (message: MailMessage | undefined, page: string) => {
    const match = new RegExp(`${APP_URL.replace(/\./g, "\\.")}/${page}\\?token=([A-Za-z0-9_-]+)`).exec(message?.text ?? "");
    if (!match) throw new Error(`no ${page} link in: ${message?.text}`);
    return match[1]!;
  };
  const email = () => `account-${++n}@example.org`;
  async function verifiedUser(password = PASSWORD) {
    const address = email();
    const [user] = await t.db
      .insert(users)
      .values({ email: address, name: `Account ${n}`, passwordHash: password === PASSWORD ? passwordHash : await hashPassword(password), emailVerifiedAt: new Date() })
      .returning();
    return user!;
  }
  const userByEmail = async (address: string) => (await t.db.select().from(users).where(eq(users.email, address)))[0];

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    outbox = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-outbox-test-"));
    ctx = { db: t.db, mailer: createOutboxMailer(outbox, "Rampart <no-reply@rampart.test>"), appUrl: APP_URL, limiters: limiters() };
    passwordHash = await hashPassword(PASSWORD);
  });
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it("signs up an unverified account with an argon2id hash and mails a single-use verification link", async () => {
    const address = email();
    expect(await signUp(ctx, { name: "Nadia Nowak", email: address, password: PASSWORD }, ADDRESS)).toEqual({ ok: true });
    const user = await userByEmail(address);
    expect(user).toMatchObject({ name: "Nadia Nowak", emailVerifiedAt: null });
    expect(user!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(user!.passwordHash!, PASSWORD)).toBe(true);

    const mails = mailTo(address);
    expect(mails).toHaveLength(1);
    const token = linkToken(mails[0], "verify-email");
    // Only a hash of the token is stored.
    const tokens = await t.db.select().from(emailTokens).where(eq(emailTokens.userId, user!.id));
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.tokenHash).not.toBe(token);
    expect(JSON.stringify(tokens)).not.toContain(token);
    expect(tokens[0]!.expiresAt.getTime() - tokens[0]!.createdAt.getTime()).toBeLessThanOrEqual(LINK_LIFETIME_MS + 5_000);

    expect(await verifyEmail(t.db, token)).toBe(true);
    expect((await userByEmail(address))!.emailVerifiedAt).toBeInstanceOf(Date);
    expect(await verifyEmail(t.db, token)).toBe(false);
  });

  it("refuses a weak password at sign-up with the reason, creating nothing", async () => {
    const address = email();
    const result = await signUp(ctx, { name: "Weak Password", email: address, password: "password123456" }, ADDRESS);
    expect(result).toEqual({ ok: false, reason: "weak", field: "password", message: expect.stringMatching(/too easy to guess/) });
    expect(await userByEmail(address)).toBeUndefined();
    expect(mailTo(address)).toHaveLength(0);
  });

  it("answers a duplicate sign-up exactly as a new one, mails a notice instead of a link, and keeps the account as it was", async () => {
    const existing = await verifiedUser();
    const result = await signUp(ctx, { name: "Someone Else", email: existing.email, password: NEW_PASSWORD }, ADDRESS);
    expect(result).toEqual({ ok: true });
    const after = await userByEmail(existing.email);
    expect(after).toMatchObject({ id: existing.id, name: existing.name, passwordHash: existing.passwordHash });
    const mails = mailTo(existing.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toMatch(/already exists/);
    expect(mails[0]!.text).not.toMatch(/token=/);
    expect(await t.db.select().from(emailTokens).where(eq(emailTokens.userId, existing.id))).toHaveLength(0);
  });

  it("limits sign-ups per client address: over the limit nothing is created or sent, and another address still signs up", async () => {
    const limited = { ...ctx, limiters: limiters({ signUpPerAddress: limiter(1) }) };
    const other = hashClientAddress("192.0.2.44");
    expect(await signUp(limited, { name: "First Here", email: email(), password: PASSWORD }, ADDRESS)).toEqual({ ok: true });
    const refused = email();
    const result = await signUp(limited, { name: "Second Here", email: refused, password: PASSWORD }, ADDRESS);
    expect(result).toMatchObject({ ok: false, reason: "rate_limited" });
    expect((result as { retryAt: number }).retryAt).toBeGreaterThan(Date.now());
    expect(await userByEmail(refused)).toBeUndefined();
    expect(mailTo(refused)).toHaveLength(0);
    // Requests without a known address share one budget rather than escaping it.
    expect(await signUp(limited, { name: "No Address", email: email(), password: PASSWORD }, null)).toEqual({ ok: true });
    expect(await signUp(limited, { name: "No Address Again", email: email(), password: PASSWORD }, null)).toMatchObject({ ok: false, reason: "rate_limited" });
    expect(await signUp(limited, { name: "Elsewhere", email: email(), password: PASSWORD }, other)).toEqual({ ok: true });
  });

  it("refuses an expired verification link and accepts a fresh one", async () => {
    const address = email();
    await signUp(ctx, { name: "Late Reader", email: address, password: PASSWORD }, ADDRESS);
    const user = (await userByEmail(address))!;
    const token = linkToken(mailTo(address)[0], "verify-email");
    await t.db.update(emailTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(emailTokens.userId, user.id));
    expect(await verifyEmail(t.db, token)).toBe(false);
    expect((await userByEmail(address))!.emailVerifiedAt).toBeNull();

    await resendVerification(ctx, user.id);
    const fresh = linkToken(mailTo(address).at(-1), "verify-email");
    expect(fresh).not.toBe(token);
    expect(await verifyEmail(t.db, fresh)).toBe(true);
    // Verified: nothing more to send.
    await resendVerification(ctx, user.id);
    expect(mailTo(address)).toHaveLength(2);
  });

  it("refuses garbage and wrong-purpose tokens", async () => {
    for (const bad of ["", "x", "a".repeat(101), "not-a-real-token-at-all-0123456789"]) expect(await verifyEmail(t.db, bad)).toBe(false);
    const user = await verifiedUser();
    await requestPasswordReset(ctx, user.email, ADDRESS);
    const resetToken = linkToken(mailTo(user.email).at(-1), "reset-password");
    expect(await verifyEmail(t.db, resetToken)).toBe(false);
  });

  it("sends no reset mail for an unknown address", async () => {
    const before = fs.existsSync(outbox) ? fs.readdirSync(outbox).length : 0;
    await requestPasswordReset(ctx, `nobody-${n}@example.org`, ADDRESS);
    expect(fs.readdirSync(outbox).length).toBe(before);
  });

  it("refuses reset requests over the per-address limit, whatever the account", async () => {
    const limited = { ...ctx, limiters: limiters({ resetPerAddress: limiter(1) }) };
    const [first, second] = [await verifiedUser(), await verifiedUser()];
    expect(await requestPasswordReset(limited, first.email, ADDRESS)).toEqual({ ok: true });
    const refused = await requestPasswordReset(limited, second.email, ADDRESS);
    expect(refused).toMatchObject({ ok: false, reason: "rate_limited" });
    expect((refused as { retryAt: number }).retryAt).toBeGreaterThan(Date.now());
    expect(mailTo(second.email)).toHaveLength(0);
    expect(await requestPasswordReset(limited, second.email, hashClientAddress("192.0.2.45"))).toEqual({ ok: true });
    expect(mailTo(second.email)).toHaveLength(1);
  });

  it("over the per-account limit answers as usual but sends nothing more, from any address", async () => {
    const limited = { ...ctx, limiters: limiters({ resetPerAccount: limiter(2) }) };
    const user = await verifiedUser();
    for (const from of [ADDRESS, hashClientAddress("192.0.2.46"), hashClientAddress("192.0.2.47"), null])
      expect(await requestPasswordReset(limited, user.email, from)).toEqual({ ok: true });
    expect(mailTo(user.email)).toHaveLength(2);
  });

  it("resets the password by a link that works once, and signs out every session", async () => {
    const user = await verifiedUser();
    const sessions = [await createSession(t.db, { userId: user.id, policy }), await createSession(t.db, { userId: user.id, policy })];
    await requestPasswordReset(ctx, user.email, ADDRESS);
    const mails = mailTo(user.email);
    expect(mails).toHaveLength(1);
    const token = linkToken(mails[0], "reset-password");

    expect(await resetPassword(t.db, token, NEW_PASSWORD)).toEqual({ ok: true, userId: user.id, emailHash: hashEmail(user.email), deviceEpoch: 1 });
    const after = (await userByEmail(user.email))!;
    expect(await verifyPassword(after.passwordHash!, NEW_PASSWORD)).toBe(true);
    expect(await verifyPassword(after.passwordHash!, PASSWORD)).toBe(false);
    for (const s of sessions) expect(await validateSession(t.db, s.id, policy)).toBeNull();

    expect(await resetPassword(t.db, token, "another fine passphrase for later")).toMatchObject({ ok: false, reason: "invalid_link" });
    expect(await verifyPassword((await userByEmail(user.email))!.passwordHash!, NEW_PASSWORD)).toBe(true);
  });

  it("does not spend the reset link on a weak password", async () => {
    const user = await verifiedUser();
    await requestPasswordReset(ctx, user.email, ADDRESS);
    const token = linkToken(mailTo(user.email).at(-1), "reset-password");
    const weak = await resetPassword(t.db, token, "password123456");
    expect(weak).toMatchObject({ ok: false, reason: "weak", message: expect.stringMatching(/too easy to guess/) });
    const [row] = await t.db.select().from(emailTokens).where(and(eq(emailTokens.userId, user.id), eq(emailTokens.purpose, "reset_password")));
    expect(row!.usedAt).toBeNull();
    expect(await resetPassword(t.db, token, NEW_PASSWORD)).toEqual({ ok: true, userId: expect.any(String), emailHash: expect.any(String), deviceEpoch: 1 });
  });

  it("refuses an expired reset link", async () => {
    const user = await verifiedUser();
    await requestPasswordReset(ctx, user.email, ADDRESS);
    const token = linkToken(mailTo(user.email).at(-1), "reset-password");
    await t.db.update(emailTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(emailTokens.userId, user.id));
    expect(await resetPassword(t.db, token, NEW_PASSWORD)).toMatchObject({ ok: false, reason: "invalid_link" });
    expect(await verifyPassword((await userByEmail(user.email))!.passwordHash!, PASSWORD)).toBe(true);
  });

  it("refuses a password change with the wrong current password, changing nothing", async () => {
    const user = await verifiedUser();
    const current = await createSession(t.db, { userId: user.id, policy });
    const other = await createSession(t.db, { userId: user.id, policy });
    const result = await changePassword(t.db, { userId: user.id, currentPassword: "not my password at all", newPassword: NEW_PASSWORD, keepSessionId: current.id });
    expect(result).toMatchObject({ ok: false, reason: "wrong_password" });
    expect(await verifyPassword((await userByEmail(user.email))!.passwordHash!, PASSWORD)).toBe(true);
    expect(await validateSession(t.db, other.id, policy)).not.toBeNull();
  });

  it("refuses a weak new password, and one built from the person's own name", async () => {
    const user = await verifiedUser();
    const current = await createSession(t.db, { userId: user.id, policy });
    for (const weak of ["password123456", `${user.email}`]) {
      expect(await changePassword(t.db, { userId: user.id, currentPassword: PASSWORD, newPassword: weak, keepSessionId: current.id })).toMatchObject({ ok: false, reason: "weak" });
    }
  });

  it("changes the password, signs out every other session and keeps the current one", async () => {
    const user = await verifiedUser();
    const current = await createSession(t.db, { userId: user.id, policy });
    const others = [await createSession(t.db, { userId: user.id, policy }), await createSession(t.db, { userId: user.id, policy })];
    const someoneElse = await verifiedUser();
    const theirs = await createSession(t.db, { userId: someoneElse.id, policy });

    expect(await changePassword(t.db, { userId: user.id, currentPassword: PASSWORD, newPassword: NEW_PASSWORD, keepSessionId: current.id })).toEqual({ ok: true, device: { emailHash: hashEmail(user.email), epoch: 1 } });
    expect(await validateSession(t.db, current.id, policy)).not.toBeNull();
    for (const s of others) expect(await validateSession(t.db, s.id, policy)).toBeNull();
    expect(await validateSession(t.db, theirs.id, policy)).not.toBeNull();
    expect(await verifyPassword((await userByEmail(user.email))!.passwordHash!, NEW_PASSWORD)).toBe(true);
  });
});
