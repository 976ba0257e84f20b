import "server-only";
import { and, eq, isNotNull, isNull, lt, or } from "drizzle-orm";
import { generateSecret, generateURI, verify } from "otplib";
import QRCode from "qrcode";
import { totpFactors } from "@/db/schema";
import type { Queryable } from "@/lib/db";
import { openAccountSecret, sealAccountSecret } from "./secret-box";

const ISSUER = "Rampart";
/** Accept the previous and next 30-second step for clock drift. */
const TOLERANCE_SECONDS = 30;

const context = (userId: string) => `totp:${userId}`;

export type TotpEnrolment = { secret: string; uri: string; qrDataUrl: string };

/** Starts (or restarts) enrolment: a new secret, sealed at rest, unconfirmed until a first code proves the app has it. */
export async function beginTotpEnrolment(db: Queryable, user: { id: string; email: string }): Promise<TotpEnrolment> {
  const [existing] = await db.select().from(totpFactors).where(and(eq(totpFactors.userId, user.id), isNotNull(totpFactors.confirmedAt)));
  if (existing) throw new Error("Two-step verification is already on; turn it off first to enrol a new app.");
  const secret = generateSecret({ length: 20 });
  await db
    .insert(totpFactors)
    .values({ userId: user.id, secretSealed: sealAccountSecret(secret, context(user.id)) })
    .onConflictDoUpdate({ target: totpFactors.userId, set: { secretSealed: sealAccountSecret(secret, context(user.id)), lastTimeStep: null, createdAt: new Date() } });
  const uri = generateURI({ issuer: ISSUER, label: user.email, secret });
  return { secret, uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) };
}

async function checkAndClaimStep(db: Queryable, userId: string, sealed: string, lastStep: number | null, code: string, confirming: boolean): Promise<boolean> {
  if (!/^\d{6}$/.test(code)) return false;
  const secret = openAccountSecret(sealed, context(userId));
  const result = await verify({ secret, token: code, epochTolerance: TOLERANCE_SECONDS, ...(lastStep !== null ? { afterTimeStep: lastStep } : {}) });
  if (!result.valid || !("timeStep" in result)) return false;
  // Claim the step atomically: a replayed code (same or older step) finds no row to update.
  const claimed = await db
    .update(totpFactors)
    .set({ lastTimeStep: result.timeStep, ...(confirming ? { confirmedAt: new Date() } : {}) })
    .where(and(eq(totpFactors.userId, userId), or(isNull(totpFactors.lastTimeStep), lt(totpFactors.lastTimeStep, result.timeStep))))
    .returning({ userId: totpFactors.userId });
  return claimed.length === 1;
}

/** Confirms enrolment with a first code from the app. */
export async function confirmTotpEnrolment(db: Queryable, userId: string, code: string): Promise<boolean> {
  const [factor] = await db.select().from(totpFactors).where(and(eq(totpFactors.userId, userId), isNull(totpFactors.confirmedAt)));
  if (!factor) return false;
  return checkAndClaimStep(db, userId, factor.secretSealed, factor.lastTimeStep, code, true);
}

/** Verifies a sign-in code; each code works once. */
export async function verifyTotpCode(db: Queryable, userId: string, code: string): Promise<boolean> {
  const [factor] = await db.select().from(totpFactors).where(and(eq(totpFactors.userId, userId), isNotNull(totpFactors.confirmedAt)));
  if (!factor) return false;
  return checkAndClaimStep(db, userId, factor.secretSealed, factor.lastTimeStep, code, false);
}

export async function hasTotp(db: Queryable, userId: string): Promise<boolean> {
  const [factor] = await db.select({ userId: totpFactors.userId }).from(totpFactors).where(and(eq(totpFactors.userId, userId), isNotNull(totpFactors.confirmedAt)));
  return Boolean(factor);
}

export async function removeTotp(db: Queryable, userId: string): Promise<void> {
  await db.delete(totpFactors).where(eq(totpFactors.userId, userId));
}
