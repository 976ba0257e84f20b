import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailTokens, users } from "@/db/schema";
import { createOutboxMailer, type MailMessage } from "@/lib/mail";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { changePassword, LINK_LIFETIME_MS, requestPasswordReset, resendVerification, resetPassword, signUp, verifyEmail } from "./accounts";
import { hashPassword, verifyPassword } from "./password";
import { createSession, validateSession, type SessionPolicy } from "./sessions";

const APP_URL = "http://rampart.test";
const PASSWORD = "violet tugboat marmalade quarry";
const NEW_PASSWORD = "seventeen lanterns over the harbour wall";
const policy: SessionPolicy = { maxAgeSeconds: 24 * 3600, idleTimeoutSeconds: 7200 };

describe.each(testBackends())("accounts (%s)", (backend) => {
  let t: TestDatabase;
  let outbox: string;
  let ctx: { db: TestDatabase["db"]; mailer: ReturnType<typeof createOutboxMailer>; appUrl: string };
  let n = 0;
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
    ctx = { db: t.db, mailer: createOutboxMailer(outbox, "Rampart <no-reply@rampart.test>"), appUrl: APP_URL };
    passwordHash = await hashPassword(PASSWORD);
  });
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it("signs up an unverified account with an argon2id hash and mails a single-use verification link", async () => {
    const address = email();
    expect(await signUp(ctx, { name: "Nadia Nowak", email: address, password: PASSWORD })).toEqual({ ok: true });
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
    const result = await signUp(ctx, { name: "Weak Password", email: address, password: "password123456" });
    expect(result).toEqual({ ok: false, field: "password", message: expect.stringMatching(/too easy to guess/) });
    expect(await userByEmail(address)).toBeUndefined();
    expect(mailTo(address)).toHaveLength(0);
  });

  it("answers a duplicate sign-up exactly as a new one, mails a notice instead of a link, and keeps the account as it was", async () => {
    const existing = await verifiedUser();
    const result = await signUp(ctx, { name: "Someone Else", email: existing.email, password: NEW_PASSWORD });
    expect(result).toEqual({ ok: true });
    const after = await userByEmail(existing.email);
    expect(after).toMatchObject({ id: existing.id, name: existing.name, passwordHash: existing.passwordHash });
    const mails = mailTo(existing.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toMatch(/already exists/);
    expect(mails[0]!.text).not.toMatch(/token=/);
    expect(await t.db.select().from(emailTokens).where(eq(emailTokens.userId, existing.id))).toHaveLength(0);
  });

  it("refuses an expired verification link and accepts a fresh one", async () => {
    const address = email();
    await signUp(ctx, { name: "Late Reader", email: address, password: PASSWORD });
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
    await requestPasswordReset(ctx, user.email);
    const resetToken = linkToken(mailTo(user.email).at(-1), "reset-password");
    expect(await verifyEmail(t.db, resetToken)).toBe(false);
  });

  it("sends no reset mail for an unknown address", async () => {
    const before = fs.existsSync(outbox) ? fs.readdirSync(outbox).length : 0;
    await requestPasswordReset(ctx, `nobody-${n}@example.org`);
    expect(fs.readdirSync(outbox).length).toBe(before);
  });

  it("resets the password by a link that works once, and signs out every session", async () => {
    const user = await verifiedUser();
    const sessions = [await createSession(t.db, { userId: user.id, policy }), await createSession(t.db, { userId: user.id, policy })];
    await requestPasswordReset(ctx, user.email);
    const mails = mailTo(user.email);
    expect(mails).toHaveLength(1);
    const token = linkToken(mails[0], "reset-password");

    expect(await resetPassword(t.db, token, NEW_PASSWORD)).toEqual({ ok: true });
    const after = (await userByEmail(user.email))!;
    expect(await verifyPassword(after.passwordHash!, NEW_PASSWORD)).toBe(true);
    expect(await verifyPassword(after.passwordHash!, PASSWORD)).toBe(false);
    for (const s of sessions) expect(await validateSession(t.db, s.id, policy)).toBeNull();

    expect(await resetPassword(t.db, token, "another fine passphrase for later")).toMatchObject({ ok: false, reason: "invalid_link" });
    expect(await verifyPassword((await userByEmail(user.email))!.passwordHash!, NEW_PASSWORD)).toBe(true);
  });

  it("does not spend the reset link on a weak password", async () => {
    const user = await verifiedUser();
    await requestPasswordReset(ctx, user.email);
    const token = linkToken(mailTo(user.email).at(-1), "reset-password");
    const weak = await resetPassword(t.db, token, "password123456");
    expect(weak).toMatchObject({ ok: false, reason: "weak", message: expect.stringMatching(/too easy to guess/) });
    const [row] = await t.db.select().from(emailTokens).where(and(eq(emailTokens.userId, user.id), eq(emailTokens.purpose, "reset_password")));
    expect(row!.usedAt).toBeNull();
    expect(await resetPassword(t.db, token, NEW_PASSWORD)).toEqual({ ok: true });
  });

  it("refuses an expired reset link", async () => {
    const user = await verifiedUser();
    await requestPasswordReset(ctx, user.email);
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

    expect(await changePassword(t.db, { userId: user.id, currentPassword: PASSWORD, newPassword: NEW_PASSWORD, keepSessionId: current.id })).toEqual({ ok: true });
    expect(await validateSession(t.db, current.id, policy)).not.toBeNull();
    for (const s of others) expect(await validateSession(t.db, s.id, policy)).toBeNull();
    expect(await validateSession(t.db, theirs.id, policy)).not.toBeNull();
    expect(await verifyPassword((await userByEmail(user.email))!.passwordHash!, NEW_PASSWORD)).toBe(true);
  });
});
