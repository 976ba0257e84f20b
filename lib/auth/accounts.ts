import "server-only";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { emailTokens, users, type EmailTokenPurpose } from "@/db/schema";
import type { Database, Queryable } from "@/lib/db";
import type { Mailer } from "@/lib/mail";
import { recordAuditEvent } from "@/lib/audit";
import { hashEmail } from "./email";
import type { AuthLimiters } from "./limits";
import { hashPassword, verifyPassword } from "./password";
import { revokeSessions } from "./sessions";
import { assessPassword } from "./strength";
import { hashLinkToken, newLinkToken } from "./tokens";

export const LINK_LIFETIME_MS = 30 * 60 * 1000;

type Ctx = { db: Database; mailer: Mailer; appUrl: string };

async function issueLink(db: Queryable, userId: string, purpose: EmailTokenPurpose, now = new Date()): Promise<string> {
  const { token, hash } = newLinkToken();
  await db.insert(emailTokens).values({ userId, purpose, tokenHash: hash, expiresAt: new Date(now.getTime() + LINK_LIFETIME_MS) });
  return token;
}

/** Marks a link used if it is valid; returns its person. One use only, atomically. */
async function consumeLink(db: Queryable, token: string, purpose: EmailTokenPurpose, now = new Date()): Promise<string | null> {
  if (!token || token.length > 100) return null;
  const [row] = await db
    .update(emailTokens)
    .set({ usedAt: now })
    .where(and(eq(emailTokens.tokenHash, hashLinkToken(token)), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now)))
    .returning({ userId: emailTokens.userId });
  return row?.userId ?? null;
}

async function peekLink(db: Queryable, token: string, purpose: EmailTokenPurpose, now = new Date()): Promise<string | null> {
  if (!token || token.length > 100) return null;
  const [row] = await db
    .select({ userId: emailTokens.userId })
    .from(emailTokens)
    .where(and(eq(emailTokens.tokenHash, hashLinkToken(token)), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now)));
  return row?.userId ?? null;
}

/** Refused before anything else is looked at; `retryAt` is when the window lets the next request through (ms). */
export type RateLimited = { ok: false; reason: "rate_limited"; retryAt: number };

export type SignUpResult = { ok: true } | { ok: false; reason: "weak"; field: "password"; message: string } | RateLimited;

/**
 * Creates an unverified account and mails a verification link. An address that already has an
 * account gets a notice instead, and the page answers the same either way (no enumeration).
 * Sign-ups are limited per client address (its keyed hash; null when unknown).
 */
export async function signUp(
  ctx: Ctx & { limiters: Pick<AuthLimiters, "signUpPerAddress"> },
  input: { name: string; email: string; password: string },
  clientAddressHash: string | null,
): Promise<SignUpResult> {
  const limit = await ctx.limiters.signUpPerAddress.limit(clientAddressHash ?? "unknown");
  if (!limit.success) return { ok: false, reason: "rate_limited", retryAt: limit.reset };
  const strength = assessPassword(input.password, { name: input.name, email: input.email });
  if (!strength.ok) return { ok: false, reason: "weak", field: "password", message: strength.reason };
  const [existing] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, input.email));
  if (existing) {
    await ctx.mailer.send({
      to: input.email,
      subject: "Someone tried to create a Rampart account with your email",
      text: `An account already exists for this address. If this was you, sign in at ${ctx.appUrl}/login or reset your password at ${ctx.appUrl}/forgot-password.\nIf it was not you, you can ignore this message.`,
    });
    return { ok: true };
  }
  const passwordHash = await hashPassword(input.password);
  const token = await ctx.db.transaction(async (tx) => {
    const inserted = await tx.insert(users).values({ name: input.name, email: input.email, passwordHash }).onConflictDoNothing().returning({ id: users.id });
    if (!inserted[0]) return null;
    await recordAuditEvent(tx, { orgId: null, actor: { kind: "member", id: inserted[0].id }, action: "account.created" });
    return issueLink(tx, inserted[0].id, "verify_email");
  });
  if (token) await sendVerification(ctx, input.email, token);
  return { ok: true };
}

async function sendVerification(ctx: Ctx, email: string, token: string): Promise<void> {
  await ctx.mailer.send({
    to: email,
    subject: "Confirm your email for Rampart",
    text: `Confirm your email address to finish creating your account:\n\n${ctx.appUrl}/verify-email?token=${token}\n\nThe link works once and expires in 30 minutes.`,
  });
}

/** A fresh verification link, for a person who signed in with the right password before verifying. */
export async function resendVerification(ctx: Ctx, userId: string): Promise<void> {
  const [user] = await ctx.db.select({ email: users.email, verified: users.emailVerifiedAt }).from(users).where(eq(users.id, userId));
  if (!user || user.verified) return;
  await sendVerification(ctx, user.email, await issueLink(ctx.db, userId, "verify_email"));
}

export async function verifyEmail(db: Database, token: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const userId = await consumeLink(tx, token, "verify_email");
    if (!userId) return false;
    await tx.update(users).set({ emailVerifiedAt: new Date(), updatedAt: new Date() }).where(eq(users.id, userId));
    await recordAuditEvent(tx, { orgId: null, actor: { kind: "member", id: userId }, action: "account.email_verified" });
    return true;
  });
}

/**
 * Mails a reset link when the account exists; the caller answers the same either way. Limited per
 * client address (refused) and per account: over the account's limit the answer is the same but
 * nothing more is sent, so nobody can flood an inbox or learn from the answer that the account exists.
 */
export async function requestPasswordReset(
  ctx: Ctx & { limiters: Pick<AuthLimiters, "resetPerAccount" | "resetPerAddress"> },
  email: string,
  clientAddressHash: string | null,
): Promise<{ ok: true } | RateLimited> {
  const [perAddress, perAccount] = await Promise.all([
    ctx.limiters.resetPerAddress.limit(clientAddressHash ?? "unknown"),
    ctx.limiters.resetPerAccount.limit(hashEmail(email)),
  ]);
  if (!perAddress.success) return { ok: false, reason: "rate_limited", retryAt: perAddress.reset };
  if (!perAccount.success) return { ok: true };
  const [user] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (!user) return { ok: true };
  const token = await issueLink(ctx.db, user.id, "reset_password");
  await ctx.mailer.send({
    to: email,
    subject: "Reset your Rampart password",
    text: `Someone asked to reset the password of your Rampart account. If it was you, choose a new password here:\n\n${ctx.appUrl}/reset-password?token=${token}\n\nThe link works once and expires in 30 minutes. If it was not you, ignore this message: your password stays as it is.`,
  });
  return { ok: true };
}

/** `device`: what a device cookie for the browser that changed the password carries (the earlier ones no longer count). */
export type PasswordChangeResult = { ok: true; device?: { emailHash: string; epoch: number } } | { ok: false; reason: "invalid_link" | "weak" | "wrong_password"; message: string };
/** `emailHash`: the keyed hash of the account's email, for the device cookie the reset leaves the browser. */
export type PasswordResetResult = { ok: true; userId: string; emailHash: string; deviceEpoch: number } | Extract<PasswordChangeResult, { ok: false }>;

/**
 * Sets a new password from a reset link, proves the email, and signs out every session. The caller gives the browser
 * a device cookie for the account (the link proved the mailbox), so a lockout from a flood of guesses never outlasts a reset.
 */
export async function resetPassword(db: Database, token: string, newPassword: string): Promise<PasswordResetResult> {
  const userId = await peekLink(db, token, "reset_password");
  if (!userId) return { ok: false, reason: "invalid_link", message: "This reset link has expired or was already used. Ask for a new one." };
  const [user] = await db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, userId));
  if (!user) return { ok: false, reason: "invalid_link", message: "This reset link has expired or was already used. Ask for a new one." };
  const strength = assessPassword(newPassword, user);
  if (!strength.ok) return { ok: false, reason: "weak", message: strength.reason };
  const passwordHash = await hashPassword(newPassword);
  return db.transaction(async (tx) => {
    if ((await consumeLink(tx, token, "reset_password")) !== userId)
      return { ok: false, reason: "invalid_link", message: "This reset link has expired or was already used. Ask for a new one." } as const;
    // The devices recognised until now are recognised no more (lib/auth/device-cookie.ts); the caller issues this browser a new one.
    const [changed] = await tx
      .update(users)
      .set({ passwordHash, emailVerifiedAt: new Date(), updatedAt: new Date(), deviceEpoch: sql`${users.deviceEpoch} + 1` })
      .where(eq(users.id, userId))
      .returning({ deviceEpoch: users.deviceEpoch });
    const count = await revokeSessions(tx, { userId }, "password_reset");
    await recordAuditEvent(tx, { orgId: null, actor: { kind: "member", id: userId }, action: "auth.password.reset" });
    await recordAuditEvent(tx, { orgId: null, actor: { kind: "member", id: userId }, action: "session.revoked_all", metadata: { reason: "password_reset", count } });
    return { ok: true, userId, emailHash: hashEmail(user.email), deviceEpoch: changed!.deviceEpoch } as const;
  });
}

/** Changes the password after checking the current one; every other session is signed out. */
export async function changePassword(
  db: Database,
  input: { userId: string; currentPassword: string; newPassword: string; keepSessionId: string },
): Promise<PasswordChangeResult> {
  const [user] = await db.select().from(users).where(eq(users.id, input.userId));
  if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword)))
    return { ok: false, reason: "wrong_password", message: "Your current password is not correct." };
  const strength = assessPassword(input.newPassword, user);
  if (!strength.ok) return { ok: false, reason: "weak", message: strength.reason };
  const passwordHash = await hashPassword(input.newPassword);
  let device: { emailHash: string; epoch: number } | undefined;
  await db.transaction(async (tx) => {
    const [changed] = await tx
      .update(users)
      .set({ passwordHash, updatedAt: new Date(), deviceEpoch: sql`${users.deviceEpoch} + 1` })
      .where(eq(users.id, input.userId))
      .returning({ deviceEpoch: users.deviceEpoch, email: users.email });
    device = { emailHash: hashEmail(changed!.email), epoch: changed!.deviceEpoch };
    const count = await revokeSessions(tx, { userId: input.userId, except: input.keepSessionId }, "password_changed");
    const actor = { kind: "member" as const, id: input.userId };
    await recordAuditEvent(tx, { orgId: null, actor, action: "auth.password.changed" });
    await recordAuditEvent(tx, { orgId: null, actor, action: "session.revoked_all", metadata: { reason: "password_changed", count } });
  });
  return { ok: true, device };
}
