import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessions, users } from "@/db/schema";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { hashClientAddress } from "@/lib/keys";
import { createSession, listActiveSessions, revokeSessions, validateSession, type SessionPolicy } from "./sessions";

const HOUR = 3600_000;
const policy: SessionPolicy = { maxAgeSeconds: 24 * 3600, idleTimeoutSeconds: 2 * 3600 };
const at = (start: Date, ms: number) => new Date(start.getTime() + ms);

describe.each(testBackends())("sessions (%s)", (backend) => {
  let t: TestDatabase;
  let n = 0;
  async function newUser(): Promise<string> {
    const [user] = await t.db.insert(users).values({ email: `session-${++n}@example.org`, name: `Session ${n}` }).returning();
    return user!.id;
  }
  const reasonOf = async (id: string) => (await t.db.select().from(sessions).where(eq(sessions.id, id)))[0]?.revokedReason;

  beforeAll(async () => {
    t = await createTestDatabase(backend);
  });
  afterAll(async () => t?.drop());

  it("creates a row with a coarse device summary and only a keyed hash of the address, valid at once", async () => {
    const userId = await newUser();
    const s = await createSession(t.db, {
      userId,
      userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
      clientAddress: "203.0.113.77",
      secondFactor: "totp",
      policy,
    });
    expect(s.deviceSummary).toBe("Chrome on Linux");
    expect(s.clientAddressHash).toBe(hashClientAddress("203.0.113.77"));
    expect(JSON.stringify(s)).not.toContain("203.0.113");
    expect(s.expiresAt.getTime() - s.createdAt.getTime()).toBe(24 * HOUR);
    const valid = await validateSession(t.db, s.id, policy);
    expect(valid?.user.id).toBe(userId);
    expect(valid?.session.secondFactor).toBe("totp");
    expect(valid?.user).not.toHaveProperty("passwordHash");
  });

  it("ends a session left idle longer than the policy allows, counting from the last request", async () => {
    const userId = await newUser();
    const idle: SessionPolicy = { maxAgeSeconds: 24 * 3600, idleTimeoutSeconds: 120 };
    const t0 = new Date();
    const s = await createSession(t.db, { userId, policy: idle, now: t0 });
    expect(await validateSession(t.db, s.id, idle, at(t0, 100_000))).not.toBeNull();
    // 200 s after sign-in but only 100 s after the last request: still in.
    expect(await validateSession(t.db, s.id, idle, at(t0, 200_000))).not.toBeNull();
    // 121 s after the last request: out, and it stays out.
    expect(await validateSession(t.db, s.id, idle, at(t0, 321_000))).toBeNull();
    expect(await reasonOf(s.id)).toBe("idle");
    expect(await validateSession(t.db, s.id, idle, at(t0, 322_000))).toBeNull();
  });

  it("ends every session 24 hours after sign-in, however busy", async () => {
    const userId = await newUser();
    const t0 = new Date();
    const s = await createSession(t.db, { userId, policy, now: t0 });
    for (let h = 1; h < 24; h++) expect(await validateSession(t.db, s.id, policy, at(t0, h * HOUR))).not.toBeNull();
    expect(await validateSession(t.db, s.id, policy, at(t0, 24 * HOUR - 1000))).not.toBeNull();
    expect(await validateSession(t.db, s.id, policy, at(t0, 24 * HOUR))).toBeNull();
    expect(await reasonOf(s.id)).toBe("expired");
  });

  it("refuses a revoked session at its next use", async () => {
    const userId = await newUser();
    const s = await createSession(t.db, { userId, policy });
    expect(await validateSession(t.db, s.id, policy)).not.toBeNull();
    expect(await revokeSessions(t.db, { userId, only: s.id }, "revoked_by_user")).toBe(1);
    expect(await validateSession(t.db, s.id, policy)).toBeNull();
    expect(await reasonOf(s.id)).toBe("revoked_by_user");
  });

  it("refuses every session of a disabled person, and lets them back when re-enabled", async () => {
    const userId = await newUser();
    const s = await createSession(t.db, { userId, policy });
    await t.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, userId));
    expect(await validateSession(t.db, s.id, policy)).toBeNull();
    await t.db.update(users).set({ disabledAt: null }).where(eq(users.id, userId));
    expect(await validateSession(t.db, s.id, policy)).not.toBeNull();
  });

  it("answers null for unknown and malformed ids", async () => {
    expect(await validateSession(t.db, "00000000-0000-4000-8000-000000000000", policy)).toBeNull();
    expect(await validateSession(t.db, "'; drop table sessions; --", policy)).toBeNull();
    expect(await validateSession(t.db, "", policy)).toBeNull();
  });

  it("revokes only the person's own sessions: nobody ends someone else's by its id", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const bobs = await createSession(t.db, { userId: bob, policy });
    expect(await revokeSessions(t.db, { userId: alice, only: bobs.id }, "revoked_by_user")).toBe(0);
    expect(await revokeSessions(t.db, { userId: alice }, "revoked_all")).toBe(0);
    expect(await validateSession(t.db, bobs.id, policy)).not.toBeNull();
  });

  it("revokes all but the current session, or all of them, and lists only the active ones", async () => {
    const userId = await newUser();
    const [a, b, c] = [await createSession(t.db, { userId, policy }), await createSession(t.db, { userId, policy }), await createSession(t.db, { userId, policy })];
    expect((await listActiveSessions(t.db, userId)).map((s) => s.id).sort()).toEqual([a!.id, b!.id, c!.id].sort());
    expect(await revokeSessions(t.db, { userId, except: a!.id }, "revoked_all_others")).toBe(2);
    expect(await validateSession(t.db, a!.id, policy)).not.toBeNull();
    expect(await validateSession(t.db, b!.id, policy)).toBeNull();
    expect(await validateSession(t.db, c!.id, policy)).toBeNull();
    expect((await listActiveSessions(t.db, userId)).map((s) => s.id)).toEqual([a!.id]);
    expect(await revokeSessions(t.db, { userId }, "password_reset")).toBe(1);
    expect(await listActiveSessions(t.db, userId)).toEqual([]);
  });
});
