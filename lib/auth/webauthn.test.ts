import { generateKeyPairSync } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authChallenges, sessions, signInAttempts, users, webauthnCredentials } from "@/db/schema";
import { getConfig } from "@/lib/config";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { createAuthLimiters } from "./limits";
import { hashPassword } from "./password";
import { beginSecurityKeySignIn, signInWithPassword } from "./sign-in";
import { rp, SoftAuthenticator } from "./test-helpers";
import {
  CHALLENGE_LIFETIME_MS,
  beginSecurityKeyAuthentication,
  beginSecurityKeyRegistration,
  finishSecurityKeyRegistration,
  listSecurityKeys,
  relyingParty,
  removeSecurityKey,
  verifySecurityKeyAssertion,
} from "./webauthn";

const PASSWORD = "correct horse battery staple 42";

describe.each(testBackends())("security keys (WebAuthn) (%s)", (backend) => {
  let t: TestDatabase;
  let passwordHash: string;
  let n = 0;

  async function newUser() {
    const [user] = await t.db
      .insert(users)
      .values({ email: `key-${++n}@example.org`, name: `Key ${n}`, passwordHash, emailVerifiedAt: new Date() })
      .returning();
    return { id: user!.id, email: user!.email, name: user!.name };
  }

  async function enrol(user: { id: string; email: string; name: string }, name = "Blue key") {
    const key = new SoftAuthenticator();
    const options = await beginSecurityKeyRegistration(t.db, user, rp);
    expect(await finishSecurityKeyRegistration(t.db, user.id, { name, response: JSON.stringify(key.register(options)) }, rp)).toEqual({
      ok: true,
      credentialId: key.id,
    });
    return key;
  }

  const openChallenges = (userId: string) => t.db.select().from(authChallenges).where(eq(authChallenges.userId, userId));

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    passwordHash = await hashPassword(PASSWORD);
  });
  afterAll(async () => t?.drop());

  it("derives the relying party from the public URL", () => {
    expect(relyingParty("https://rampart.example.org:8443")).toEqual({ id: "rampart.example.org", name: "Rampart", origin: "https://rampart.example.org:8443" });
    expect(relyingParty("http://localhost:3100")).toEqual({ id: "localhost", name: "Rampart", origin: "http://localhost:3100" });
  });

  it("registers a key: options for this site, a five-minute challenge, the public key stored base64url", async () => {
    const user = await newUser();
    const before = Date.now();
    const options = await beginSecurityKeyRegistration(t.db, user, rp);
    expect(options.rp).toEqual({ id: "rampart.example.org", name: "Rampart" });
    expect(options.user.name).toBe(user.email);
    expect(options.authenticatorSelection?.userVerification).toBe("preferred");
    expect(options.excludeCredentials).toEqual([]);
    const [challenge] = await openChallenges(user.id);
    expect(challenge).toMatchObject({ purpose: "registration", challenge: options.challenge });
    expect(challenge!.expiresAt.getTime() - before).toBeGreaterThanOrEqual(CHALLENGE_LIFETIME_MS - 1000);
    expect(challenge!.expiresAt.getTime() - before).toBeLessThanOrEqual(CHALLENGE_LIFETIME_MS + 5000);

    const key = new SoftAuthenticator();
    expect(await finishSecurityKeyRegistration(t.db, user.id, { name: "  Blue key ", response: JSON.stringify(key.register(options)) }, rp)).toEqual({
      ok: true,
      credentialId: key.id,
    });
    const [row] = await t.db.select().from(webauthnCredentials).where(eq(webauthnCredentials.id, key.id));
    expect(row).toMatchObject({ userId: user.id, name: "Blue key", counter: 0, transports: ["usb"], lastUsedAt: null });
    expect(row!.publicKey).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await openChallenges(user.id)).toEqual([]);
    expect((await listSecurityKeys(t.db, user.id)).map((k) => k.name)).toEqual(["Blue key"]);
  });

  it("excludes the person's existing keys from new registrations, and only theirs", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const a1 = await enrol(alice, "first");
    const a2 = await enrol(alice, "second");
    await enrol(bob);
    const options = await beginSecurityKeyRegistration(t.db, alice, rp);
    expect(options.excludeCredentials?.map((c) => c.id).sort()).toEqual([a1.id, a2.id].sort());
    expect(options.excludeCredentials?.[0]?.transports).toEqual(["usb"]);
  });

  it("accepts a registration challenge once: the same answer replayed is refused", async () => {
    const user = await newUser();
    const key = new SoftAuthenticator();
    const response = JSON.stringify(key.register(await beginSecurityKeyRegistration(t.db, user, rp)));
    expect((await finishSecurityKeyRegistration(t.db, user.id, { name: "once", response }, rp)).ok).toBe(true);
    await t.db.delete(webauthnCredentials).where(eq(webauthnCredentials.id, key.id));
    expect(await finishSecurityKeyRegistration(t.db, user.id, { name: "twice", response }, rp)).toEqual({ ok: false, reason: "invalid" });
    expect(await listSecurityKeys(t.db, user.id)).toEqual([]);
  });

  it("refuses an answer to an expired challenge, and spends it", async () => {
    const user = await newUser();
    const issued = new Date();
    const options = await beginSecurityKeyRegistration(t.db, user, rp, issued);
    const response = JSON.stringify(new SoftAuthenticator().register(options));
    const late = new Date(issued.getTime() + CHALLENGE_LIFETIME_MS + 1000);
    expect(await finishSecurityKeyRegistration(t.db, user.id, { name: "late", response }, rp, late)).toEqual({ ok: false, reason: "invalid" });
    expect(await openChallenges(user.id)).toEqual([]);
    expect(await finishSecurityKeyRegistration(t.db, user.id, { name: "late", response }, rp, issued)).toEqual({ ok: false, reason: "invalid" });
  });

  it("refuses garbage, another site's answer, and an answer to someone else's challenge", async () => {
    const user = await newUser();
    const other = await newUser();
    for (const garbage of ["", "not json", "{}", "[]", JSON.stringify({ id: "x", rawId: "x", type: "public-key", response: {} }), { response: null }]) {
      expect(await finishSecurityKeyRegistration(t.db, user.id, { name: "junk", response: garbage }, rp)).toEqual({ ok: false, reason: "invalid" });
    }
    const phished = new SoftAuthenticator("https://rampart.example.org.evil.test", "rampart.example.org.evil.test");
    const options = await beginSecurityKeyRegistration(t.db, user, rp);
    expect((await finishSecurityKeyRegistration(t.db, user.id, { name: "phished", response: JSON.stringify(phished.register(options)) }, rp)).ok).toBe(false);
    // A challenge issued to one person is no use to another.
    const theirs = await beginSecurityKeyRegistration(t.db, other, rp);
    expect((await finishSecurityKeyRegistration(t.db, user.id, { name: "theirs", response: JSON.stringify(new SoftAuthenticator().register(theirs)) }, rp)).ok).toBe(false);
    expect(await listSecurityKeys(t.db, user.id)).toEqual([]);
  });

  it("authenticates with the person's own keys only, advancing the counter and last use", async () => {
    const user = await newUser();
    const key = await enrol(user);
    const spare = await enrol(user, "spare");
    const stranger = await enrol(await newUser());
    const options = await beginSecurityKeyAuthentication(t.db, user.id, "sign_in", rp);
    expect(options!.rpId).toBe("rampart.example.org");
    expect(options!.userVerification).toBe("preferred");
    expect(options!.allowCredentials?.map((c) => c.id).sort()).toEqual([key.id, spare.id].sort());
    expect(options!.allowCredentials?.map((c) => c.id)).not.toContain(stranger.id);

    expect(await verifySecurityKeyAssertion(t.db, user.id, "sign_in", JSON.stringify(key.assert(options!)), rp)).toBe(true);
    const [row] = await t.db.select().from(webauthnCredentials).where(eq(webauthnCredentials.id, key.id));
    expect(row!.counter).toBe(1);
    expect(row!.lastUsedAt).toBeInstanceOf(Date);
  });

  it("has no options for a person without keys", async () => {
    expect(await beginSecurityKeyAuthentication(t.db, (await newUser()).id, "sign_in", rp)).toBeNull();
  });

  it("accepts an assertion once: replayed, it is refused", async () => {
    const user = await newUser();
    const key = await enrol(user);
    const assertion = key.assert((await beginSecurityKeyAuthentication(t.db, user.id, "sign_in", rp))!);
    expect(await verifySecurityKeyAssertion(t.db, user.id, "sign_in", assertion, rp)).toBe(true);
    expect(await verifySecurityKeyAssertion(t.db, user.id, "sign_in", assertion, rp)).toBe(false);
  });

  it("refuses an assertion after the challenge expired", async () => {
    const user = await newUser();
    const key = await enrol(user);
    const issued = new Date();
    const options = await beginSecurityKeyAuthentication(t.db, user.id, "sign_in", rp, issued);
    const late = new Date(issued.getTime() + CHALLENGE_LIFETIME_MS + 1);
    expect(await verifySecurityKeyAssertion(t.db, user.id, "sign_in", key.assert(options!), rp, late)).toBe(false);
  });

  it("keeps one open challenge per purpose: a new ceremony replaces the last", async () => {
    const user = await newUser();
    const key = await enrol(user);
    const first = await beginSecurityKeyAuthentication(t.db, user.id, "sign_in", rp);
    const second = await beginSecurityKeyAuthentication(t.db, user.id, "sign_in", rp);
    expect(await verifySecurityKeyAssertion(t.db, user.id, "sign_in", key.assert(first!), rp)).toBe(false);
    expect(await verifySecurityKeyAssertion(t.db, user.id, "sign_in", key.assert(second!), rp)).toBe(true);
  });

  it("refuses a forged signature, a cloned key's stale counter, a sign-in challenge used to confirm a change, and another person's key", async () => {
    const user = await newUser();
    const key = await enrol(user);
    const forger = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    let options = await beginSecurityKeyAuthentication(t.db, user.id, "sign_in", rp);
    expect(await verifySecurityKeyAssertion(t.db, user.id, "sign_in", key.assert(options!, { signWith: forger }), rp)).toBe(false);
    // The forged answer spent that challenge: the real key must start again.
    expect(await verifySecurityKeyAssertion(t.db, user.id, "sign_in", key.assert(options!), rp)).toBe(false);

    options = await beginSecurityKeyAuthentication(t.db, user.id, "sign_in", rp);
    expect(await verifySecurityKeyAssertion(t.db, user.id, "sign_in", key.assert(options!, { counter: 50 }), rp)).toBe(true);
    options = await beginSecurityKeyAuthentication(t.db, user.id, "sign_in", rp);
    expect(await verifySecurityKeyAssertion(t.db, user.id, "sign_in", key.assert(options!, { counter: 49 }), rp)).toBe(false);

    options = await beginSecurityKeyAuthentication(t.db, user.id, "sign_in", rp);
    expect(await verifySecurityKeyAssertion(t.db, user.id, "step_up", key.assert(options!), rp)).toBe(false);

    const other = await newUser();
    const theirKey = await enrol(other);
    options = await beginSecurityKeyAuthentication(t.db, user.id, "sign_in", rp);
    expect(await verifySecurityKeyAssertion(t.db, user.id, "sign_in", theirKey.assert(options!), rp)).toBe(false);

    for (const garbage of ["", "{", "null", JSON.stringify({ id: key.id, rawId: key.id, type: "public-key", response: { clientDataJSON: "AA" } })])
      expect(await verifySecurityKeyAssertion(t.db, user.id, "sign_in", garbage, rp)).toBe(false);
  });

  it("lets a person remove their own key, never someone else's", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const aliceKey = await enrol(alice);
    expect(await removeSecurityKey(t.db, bob.id, aliceKey.id)).toBe(false);
    expect((await listSecurityKeys(t.db, alice.id)).map((k) => k.id)).toEqual([aliceKey.id]);
    expect(await removeSecurityKey(t.db, alice.id, aliceKey.id)).toBe(true);
    expect(await listSecurityKeys(t.db, alice.id)).toEqual([]);
  });

  describe("sign-in", () => {
    const deps = () => ({ db: t.db, limiters: createAuthLimiters(t.db), policy: { maxAgeSeconds: 86400, idleTimeoutSeconds: 3600 }, rp });

    it("never gives a session for the password alone; names the factors; the key signs in once", async () => {
      const user = await newUser();
      const key = await enrol(user);
      const d = deps();
      const alone = await signInWithPassword(d, { email: user.email, password: PASSWORD });
      expect(alone).toMatchObject({ ok: false, reason: "second_factor_required", factors: ["webauthn"] });
      // A TOTP code means nothing for a person without the app.
      expect(await signInWithPassword(d, { email: user.email, password: PASSWORD, totpCode: "123456" })).toMatchObject({ ok: false, reason: "second_factor_failed" });

      const start = await beginSecurityKeySignIn(d, { email: user.email, password: PASSWORD });
      if (!start.ok) throw new Error(`no challenge: ${start.reason}`);
      expect(start.options.allowCredentials?.map((c) => c.id)).toEqual([key.id]);
      const webauthnResponse = JSON.stringify(key.assert(start.options));
      const result = await signInWithPassword(d, { email: user.email, password: PASSWORD, webauthnResponse });
      expect(result).toMatchObject({ ok: true, userId: user.id, secondFactor: "webauthn" });
      if (!result.ok) return;
      const [session] = await t.db.select().from(sessions).where(eq(sessions.id, result.sessionId));
      expect(session!.secondFactor).toBe("webauthn");
      const attempts = await t.db.select().from(signInAttempts).where(eq(signInAttempts.userId, user.id));
      expect(attempts.filter((a) => a.outcome === "succeeded").map((a) => a.method)).toEqual(["password+webauthn"]);

      expect(await signInWithPassword(d, { email: user.email, password: PASSWORD, webauthnResponse })).toMatchObject({ ok: false, reason: "second_factor_failed" });
    });

    it("a valid assertion does not make up for a wrong password", async () => {
      const user = await newUser();
      const key = await enrol(user);
      const options = await beginSecurityKeyAuthentication(t.db, user.id, "sign_in", rp);
      const result = await signInWithPassword(deps(), { email: user.email, password: "not the password", webauthnResponse: JSON.stringify(key.assert(options!)) });
      expect(result).toMatchObject({ ok: false, reason: "invalid" });
    });

    it("gives a challenge only for the right password, counted against the same per-account limit", async () => {
      const user = await newUser();
      await enrol(user);
      const config = getConfig();
      const limit = 3;
      const d = { ...deps(), limiters: createAuthLimiters(t.db, { ...config, auth: { ...config.auth, loginLimitPerAccount: limit } }) };
      expect(await beginSecurityKeySignIn(d, { email: user.email, password: "wrong" })).toEqual({ ok: false, reason: "invalid" });
      expect(await beginSecurityKeySignIn(d, { email: "nobody@example.org", password: PASSWORD })).toEqual({ ok: false, reason: "invalid" });
      const wrong = await t.db
        .select()
        .from(signInAttempts)
        .where(and(eq(signInAttempts.userId, user.id), eq(signInAttempts.outcome, "wrong_password")));
      expect(wrong.map((a) => a.method)).toEqual(["password+webauthn"]);
      expect((await beginSecurityKeySignIn(d, { email: user.email, password: PASSWORD })).ok).toBe(true);
      expect(await beginSecurityKeySignIn(d, { email: user.email, password: "wrong again" })).toEqual({ ok: false, reason: "invalid" });
      // The limit is spent: even the right password gets no challenge, and sign-in is refused the same way.
      expect(await beginSecurityKeySignIn(d, { email: user.email, password: PASSWORD })).toMatchObject({ ok: false, reason: "rate_limited" });
      expect(await signInWithPassword(d, { email: user.email, password: PASSWORD })).toMatchObject({ ok: false, reason: "rate_limited" });
    });

    it("answers alike for a person without keys", async () => {
      const user = await newUser();
      expect(await beginSecurityKeySignIn(deps(), { email: user.email, password: PASSWORD })).toEqual({ ok: false, reason: "invalid" });
    });
  });
});
