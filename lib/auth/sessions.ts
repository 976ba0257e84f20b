import "server-only";
import { and, desc, eq, isNull, ne, sql } from "drizzle-orm";
import { sessions, users, type Session, type User } from "@/db/schema";
import type { Database, Queryable } from "@/lib/db";
import { hashClientAddress } from "@/lib/keys";
import { describeDevice } from "./device";

export type SessionPolicy = { maxAgeSeconds: number; idleTimeoutSeconds: number };
export type ValidSession = { session: Session; user: Pick<User, "id" | "email" | "name" | "isStaff"> };

/** How often last_seen is written: often enough for the idle timeout, rarely enough to stay cheap. */
const TOUCH_INTERVAL_MS = 60_000;

export async function createSession(
  db: Database,
  input: { userId: string; userAgent?: string | null; clientAddress?: string | null; secondFactor?: string | null; policy: SessionPolicy; now?: Date },
): Promise<Session> {
  const now = input.now ?? new Date();
  const [row] = await db
    .insert(sessions)
    .values({
      userId: input.userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + input.policy.maxAgeSeconds * 1000),
      deviceSummary: describeDevice(input.userAgent),
      clientAddressHash: hashClientAddress(input.clientAddress),
      secondFactor: input.secondFactor ?? null,
    })
    .returning();
  return row!;
}

/** A session row with the columns of its person the checks need. */
export type SessionRow = { session: Session; user: Pick<User, "id" | "email" | "name" | "isStaff" | "disabledAt"> };

/** The fields of a SessionRow, for a select from sessions joined to users (here and in the guard's one read). */
export const sessionRowFields = {
  session: sessions,
  user: { id: users.id, email: users.email, name: users.name, isStaff: users.isStaff, disabledAt: users.disabledAt },
};

export const isSessionId = (sessionId: string) => /^[0-9a-f-]{36}$/i.test(sessionId);

/**
 * The session behind a token, if it may still be used: not revoked, within 24 h of sign-in, not idle
 * too long, and its person not disabled. An expired or idle session is closed on the spot.
 */
export async function validateSession(db: Database, sessionId: string, policy: SessionPolicy, now = new Date()): Promise<ValidSession | null> {
  if (!isSessionId(sessionId)) return null;
  const [row] = await db.select(sessionRowFields).from(sessions).innerJoin(users, eq(users.id, sessions.userId)).where(eq(sessions.id, sessionId));
  return row ? acceptSessionRow(db, row, policy, now) : null;
}

/** validateSession's checks on a row already read (the guard reads it with the campaign standing): the same rules, the same closing and touching. */
export async function acceptSessionRow(db: Queryable, row: SessionRow, policy: SessionPolicy, now = new Date()): Promise<ValidSession | null> {
  if (row.session.revokedAt) return null;
  if (row.user.disabledAt) return null;
  const sessionId = row.session.id;
  const expired = now >= row.session.expiresAt;
  const idle = now.getTime() - row.session.lastSeenAt.getTime() > policy.idleTimeoutSeconds * 1000;
  if (expired || idle) {
    await revokeSessions(db, { userId: row.session.userId, only: sessionId }, expired ? "expired" : "idle", now);
    return null;
  }
  if (now.getTime() - row.session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS)
    await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, sessionId));
  const { id, email, name, isStaff } = row.user;
  return { session: row.session, user: { id, email, name, isStaff } };
}

/** Active sessions of a person, newest first. */
export function listActiveSessions(db: Database, userId: string) {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), sql`${sessions.expiresAt} > now()`))
    .orderBy(desc(sessions.lastSeenAt));
}

/**
 * Revokes one session (`only`), all but one (`except`), or all of a person's sessions; returns how many.
 * Always scoped to the person, so nobody can end someone else's session by guessing an id.
 */
export async function revokeSessions(
  db: Queryable,
  target: { userId: string; only?: string; except?: string },
  reason: string,
  now = new Date(),
): Promise<number> {
  const conditions = [eq(sessions.userId, target.userId), isNull(sessions.revokedAt)];
  if (target.only) conditions.push(eq(sessions.id, target.only));
  if (target.except) conditions.push(ne(sessions.id, target.except));
  const rows = await db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(...conditions))
    .returning({ id: sessions.id });
  return rows.length;
}
