import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessions, users } from "@/db/schema";
import { auditEvents } from "@/db/schema/audit";
import { withPerson } from "@/lib/db/tenant";
import { createPostgresRateLimiter } from "@/lib/ratelimit";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { issueRecoveryCodes, RECOVERY_CODE_COUNT, remainingRecoveryCodes } from "./recovery-codes";
import { codeProof } from "./second-factor";
import { addSecurityKey, confirmTotp, disableTotp, removeOwnSecurityKey, revokeOtherSessions, revokeOwnSession } from "./security-settings";
import { createSession } from "./sessions";
import { rp, SoftAuthenticator } from "./test-helpers";
import { beginTotpEnrolment, hasTotp } from "./totp";
import { beginSecurityKeyAuthentication, beginSecurityKeyRegistration, listSecurityKeys } from "./webauthn";

const run = randomBytes(4).toString("hex");
const policy = { maxAgeSeconds: 3600, idleTimeoutSeconds: 3600 };
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe.each(testBackends())("the security page's changes (%s)", (backend) => {
  let t: TestDatabase;
  let n = 0;
  let deps: { db: TestDatabase["db"]; limiters: { secondFactorPerAccount: ReturnType<typeof createPostgresRateLimiter> }; rp: typeof rp };

  async function newUser() {
    const [user] = await t.db.insert(users).values({ email: `settings-${++n}-${run}@example.org`, name: `Settings ${n}`, emailVerifiedAt: new Date() }).returning();
    return { id: user!.id, email: user!.email, name: user!.name };
  }
  async function withTotp(user: { id: string; email: string }): Promise<string> {
    const { secret } = await beginTotpEnrolment(t.db, user);
    expect(await confirmTotp(t.db, user.id, await generate({ secret, epoch: nowSeconds() - 30 }))).toMatchObject({ ok: true });
    return secret;
  }
  async function addKey(user: { id: string; email: string; name: string }, key = new SoftAuthenticator()) {
    const options = await beginSecurityKeyRegistration(t.db, user, rp);
    return { key, result: await addSecurityKey(deps, user.id, { name: "Blue key", response: JSON.stringify(key.register(options)) }) };
  }
  async function keyProof(user: { id: string }, key: SoftAuthenticator) {
    const options = await beginSecurityKeyAuthentication(t.db, user.id, "step_up", rp);
    return { method: "webauthn" as const, response: JSON.stringify(key.assert(options!)) };
  }
  const events = (userId: string) =>
    withPerson(t.db, userId, (tx) =>
      tx.select({ action: auditEvents.action, metadata: auditEvents.metadata, targetId: auditEvents.targetId }).from(auditEvents).where(eq(auditEvents.actorId, userId)).orderBy(auditEvents.seq),
    );
  const openSessions = (userId: string) => t.db.select({ id: sessions.id }).from(sessions).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    deps = { db: t.db, limiters: { secondFactorPerAccount: createPostgresRateLimiter(t.db, { name: `settings-${run}`, limit: 1000, windowMs: 60_000 }) }, rp };
  });
  afterAll(async () => t?.drop());

  it("turns the app on only with a right first code, then hands out recovery codes once and records it", async () => {
    const user = await newUser();
    const { secret } = await beginTotpEnrolment(t.db, user);
    const right = await generate({ secret, epoch: nowSeconds() });
    expect(await confirmTotp(t.db, user.id, String((Number(right) + 1) % 1_000_000).padStart(6, "0"))).toEqual({ ok: false, reason: "wrong_code" });
    expect(await hasTotp(t.db, user.id)).toBe(false);
    expect(await remainingRecoveryCodes(t.db, user.id)).toBe(0);
    expect(await events(user.id)).toEqual([]);

    const confirmed = await confirmTotp(t.db, user.id, right);
    expect(confirmed).toEqual({ ok: true, recoveryCodes: expect.any(Array) });
    expect(confirmed.ok && confirmed.recoveryCodes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(await hasTotp(t.db, user.id)).toBe(true);
    expect(await events(user.id)).toEqual([{ action: "auth.two_factor.enabled", metadata: { method: "totp" }, targetId: null }]);
  });

  it("turns the app off with a recovery code; the codes go with it when no key is left, and stay while one is", async () => {
    const alone = await newUser();
    expect(await disableTotp(deps, alone, codeProof("123456"))).toEqual({ ok: false, reason: "already_off" });
    await withTotp(alone);
    const [code] = await issueRecoveryCodes(t.db, alone.id);
    expect(await disableTotp(deps, alone, codeProof(code!))).toEqual({ ok: true });
    expect(await hasTotp(t.db, alone.id)).toBe(false);
    expect(await remainingRecoveryCodes(t.db, alone.id)).toBe(0);
    expect((await events(alone.id)).map((e) => [e.action, e.metadata])).toContainEqual(["auth.two_factor.disabled", { method: "totp" }]);

    const withKey = await newUser();
    await withTotp(withKey);
    await addKey(withKey);
    const [keyHoldersCode] = await issueRecoveryCodes(t.db, withKey.id);
    expect(await disableTotp(deps, withKey, codeProof(keyHoldersCode!))).toEqual({ ok: true });
    expect(await remainingRecoveryCodes(t.db, withKey.id)).toBe(RECOVERY_CODE_COUNT - 1);
  });

  it("gives recovery codes with a first factor only, and refuses a key registered twice", async () => {
    const user = await newUser();
    const first = await addKey(user);
    expect(first.result).toEqual({ ok: true, recoveryCodes: expect.any(Array) });
    expect(first.result.ok && first.result.recoveryCodes).toHaveLength(RECOVERY_CODE_COUNT);
    expect((await addKey(user)).result).toEqual({ ok: true, recoveryCodes: null });
    expect((await addKey(user, first.key)).result).toEqual({ ok: false, reason: "already_registered" });
    expect((await events(user.id)).map((e) => e.action)).toEqual(["auth.webauthn.added", "auth.webauthn.added"]);
  });

  it("removes only the person's own key, after a fresh factor, and clears recovery codes with the last factor", async () => {
    const user = await newUser();
    const { key } = await addKey(user);
    const { key: spare } = await addKey(user);
    const stranger = await newUser();
    const { key: strangersKey } = await addKey(stranger);

    expect(await removeOwnSecurityKey(deps, user, strangersKey.id, await keyProof(user, key))).toEqual({ ok: false, reason: "already_removed" });
    expect(await listSecurityKeys(t.db, stranger.id)).toHaveLength(1);

    expect(await removeOwnSecurityKey(deps, user, key.id, await keyProof(user, key))).toEqual({ ok: true });
    expect((await listSecurityKeys(t.db, user.id)).map((k) => k.id)).toEqual([spare.id]);
    expect(await remainingRecoveryCodes(t.db, user.id)).toBe(RECOVERY_CODE_COUNT);

    const [code] = await issueRecoveryCodes(t.db, user.id);
    expect(await removeOwnSecurityKey(deps, user, spare.id, codeProof(code!))).toEqual({ ok: true });
    expect(await listSecurityKeys(t.db, user.id)).toEqual([]);
    expect(await remainingRecoveryCodes(t.db, user.id)).toBe(0);
    expect((await events(user.id)).filter((e) => e.action === "auth.webauthn.removed")).toHaveLength(2);
  });

  it("signs out one own session or all the others, recording each, and never another person's", async () => {
    const user = await newUser();
    const other = await newUser();
    const [current, second] = [await createSession(t.db, { userId: user.id, policy }), await createSession(t.db, { userId: user.id, policy })];
    await createSession(t.db, { userId: user.id, policy });
    const theirs = await createSession(t.db, { userId: other.id, policy });

    expect(await revokeOwnSession(t.db, user.id, theirs.id)).toBe(false);
    expect(await openSessions(other.id)).toHaveLength(1);
    expect(await revokeOwnSession(t.db, user.id, second.id)).toBe(true);
    expect(await revokeOwnSession(t.db, user.id, second.id)).toBe(false);

    expect(await revokeOtherSessions(t.db, user.id, current.id)).toBe(1);
    expect(await revokeOtherSessions(t.db, user.id, current.id)).toBe(0);
    expect((await openSessions(user.id)).map((s) => s.id)).toEqual([current.id]);
    expect(await events(user.id)).toEqual([
      { action: "session.revoked", metadata: { reason: "user" }, targetId: second.id },
      { action: "session.revoked_all", metadata: { reason: "user", count: 1 }, targetId: null },
    ]);
    expect(await events(other.id)).toEqual([]);
  });
});
