import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessions, signInAttempts, users } from "@/db/schema";
import { loadSecrets } from "@/lib/keys";
import { createOutboxMailer } from "@/lib/mail";
import { createPostgresRateLimiter, type RateLimiter } from "@/lib/ratelimit";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/databases";
import { createSignInGuard, type AuthLimiters } from "./limits";
import { deviceCookieName, signDeviceToken, verifyDeviceToken } from "./device-cookie";
import { hashEmail } from "./email";
import { buildAuthOptions, refuseKnownFlood } from "./next-auth";
import { hashPassword } from "./password";
import type { Services } from "@/lib/services";
import { verifySessionToken } from "./session-token";
import { validateSession } from "./sessions";
import { beginTotpEnrolment, confirmTotpEnrolment } from "./totp";

/**
 * The next-auth wiring without a browser: the credentials provider's authorize (next-auth v4 keeps the
 * function we wrote under `.options.authorize`), the JWT encode/decode pair and the callbacks. The
 * runtime is the one getServices caches on globalThis, pointed at a test database with small limits.
 */
type Authorize = (credentials: Record<string, string> | undefined, req: { headers: Record<string, string> }) => Promise<{ id: string; sid: string } | null>;

const PASSWORD = "violet tugboat marmalade quarry";
const PER_ADDRESS = 3;
const holder = globalThis as typeof globalThis & { __rampartServices?: Promise<Services> };

describe("next-auth wiring (pglite)", () => {
  let t: TestDatabase;
  let runtime: Services;
  let outbox: string;
  let authorize: Authorize;
  let options: ReturnType<typeof buildAuthOptions>;
  let n = 0;
  const previous = holder.__rampartServices;

  const limiter = (name: string, limit: number): RateLimiter => createPostgresRateLimiter(t.db, { name: `nextauth-${name}`, limit, windowMs: 3_600_000 });
  const req = (address: string) => ({ headers: { "x-forwarded-for": `10.9.9.9, ${address}`, "user-agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Firefox/131.0" } });
  async function newUser(verified = true) {
    const email = `wired-${++n}@example.org`;
    const [user] = await t.db
      .insert(users)
      .values({ email, name: `Wired ${n}`, passwordHash: await hashPassword(PASSWORD), emailVerifiedAt: verified ? new Date() : null })
      .returning();
    return user!;
  }
  const thrown = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error("expected authorize to throw");
  };

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    outbox = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-nextauth-test-"));
    const limiters: AuthLimiters = {
      signInPerAccount: limiter("account", 100),
      signInPerAddress: limiter("address", PER_ADDRESS),
      signUpPerAddress: limiter("signup", 100),
      resetPerAccount: limiter("reset-account", 100),
      resetPerAddress: limiter("reset-address", 100),
      secondFactorPerAccount: limiter("2fa", 100),
    };
    runtime = {
      db: t.db,
      limiters,
      signInGuard: createSignInGuard(t.db, loadSecrets().authSecret),
      policy: { maxAgeSeconds: 24 * 3600, idleTimeoutSeconds: 7200 },
      mailer: createOutboxMailer(outbox, "Rampart <no-reply@rampart.test>"),
      appUrl: "http://rampart.test",
      secret: loadSecrets().authSecret,
    };
    holder.__rampartServices = Promise.resolve(runtime);
    options = buildAuthOptions();
    authorize = (options.providers[0] as unknown as { options: { authorize: Authorize } }).options.authorize;
  });
  afterAll(async () => {
    holder.__rampartServices = previous;
    await t?.drop();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  it("signs in through authorize: a session row for the person, named after the browser", async () => {
    const user = await newUser();
    const result = await authorize({ email: user.email, password: PASSWORD }, req("192.0.2.1"));
    expect(result).toMatchObject({ id: user.id, sid: expect.any(String) });
    const valid = await validateSession(t.db, result!.sid, runtime.policy);
    expect(valid?.user.id).toBe(user.id);
    expect(valid?.session.deviceSummary).toBe("Firefox on macOS");
  });

  it("throws the same 'invalid' for a wrong password and an unknown account, and for malformed input", async () => {
    const user = await newUser();
    expect(await thrown(authorize({ email: user.email, password: "not the password" }, req("192.0.2.2")))).toBe("invalid");
    expect(await thrown(authorize({ email: "nobody-here@example.org", password: PASSWORD }, req("192.0.2.2")))).toBe("invalid");
    expect(await thrown(authorize({ email: user.email, password: "x".repeat(2000) }, req("192.0.2.2")))).toBe("invalid");
    expect(await thrown(authorize(undefined, req("192.0.2.2")))).toBe("invalid");
  });

  it("throws 'rate_limited:<retry ms>' once the address is over its limit, keyed by the last forwarded hop", async () => {
    const user = await newUser();
    for (let i = 0; i < PER_ADDRESS; i++) await thrown(authorize({ email: `guess-${i}@example.org`, password: "wrong guess" }, req("203.0.113.9")));
    const message = await thrown(authorize({ email: user.email, password: PASSWORD }, req("203.0.113.9")));
    expect(message).toMatch(/^rate_limited:\d+$/);
    expect(Number(message.split(":")[1])).toBeGreaterThan(Date.now());
    expect(await t.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(0);
    // The same person from another address is let in.
    expect(await authorize({ email: user.email, password: PASSWORD }, req("203.0.113.10"))).toMatchObject({ id: user.id });
  });

  it("hands the route a device cookie for the browser that signed in, and reads it back from the cookie header", async () => {
    const user = await newUser();
    let token: string | undefined;
    const hooked = buildAuthOptions({ onDeviceToken: (issued) => (token = issued) });
    const signIn = (hooked.providers[0] as unknown as { options: { authorize: Authorize } }).options.authorize;
    await signIn({ email: user.email, password: PASSWORD }, req("192.0.2.40"));
    expect(await verifyDeviceToken(token, runtime.secret, { id: user.id, deviceEpoch: 0 })).toMatchObject({ userId: user.id });
    // With that cookie the browser is known: a fresh one is issued again, and the per-device limit is what counts.
    const withCookie = { headers: { ...req("192.0.2.41").headers, cookie: `other=1; ${deviceCookieName(false)}=${token}` } };
    const before = token;
    expect(await signIn({ email: user.email, password: PASSWORD }, withCookie)).toMatchObject({ id: user.id });
    expect(token).not.toBe(before);
  });

  it("answers 429 before next-auth runs once the account is locked, and lets the account's own device through", async () => {
    const user = await newUser();
    const post = (cookie?: string) =>
      new Request("http://rampart.test/api/auth/callback/credentials", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": "198.51.100.99", ...(cookie ? { cookie } : {}) },
        body: new URLSearchParams({ email: user.email, password: "a guess", csrfToken: "x" }).toString(),
      });
    expect(await refuseKnownFlood(post())).toBeNull();
    runtime.signInGuard.memo.lockAccount(hashEmail(user.email), user.id, Date.now() + 60_000);
    const refused = await refuseKnownFlood(post());
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused!.json()) as { url: string }).url).toMatch(/\/login\?error=rate_limited%3A\d+$/);
    const token = await signDeviceToken(user.id, runtime.secret);
    expect(await refuseKnownFlood(post(`${deviceCookieName(false)}=${token}`))).toBeNull();
    await runtime.signInGuard.recorder.flush();
    expect((await t.db.select().from(signInAttempts).where(eq(signInAttempts.userId, user.id))).map((a) => a.outcome)).toEqual(["rate_limited"]);
  });

  it("asks for the second factor instead of signing in when TOTP is on, and accepts the code", async () => {
    const user = await newUser();
    const { secret } = await beginTotpEnrolment(t.db, user);
    let now = Math.floor(Date.now() / 1000);
    if (now % 30 > 25) {
      await new Promise((r) => setTimeout(r, 6_000));
      now = Math.floor(Date.now() / 1000);
    }
    expect(await confirmTotpEnrolment(t.db, user.id, await generate({ secret, epoch: now - 30 }))).toBe(true);
    expect(await thrown(authorize({ email: user.email, password: PASSWORD }, req("192.0.2.3")))).toMatch(/^second_factor_required/);
    expect(await t.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(0);
    const result = await authorize({ email: user.email, password: PASSWORD, totpCode: await generate({ secret, epoch: now }) }, req("192.0.2.3"));
    expect((await validateSession(t.db, result!.sid, runtime.policy))?.session.secondFactor).toBe("totp");
  });

  it("resends the verification link to an unverified person who knows the password", async () => {
    const user = await newUser(false);
    expect(await thrown(authorize({ email: user.email, password: PASSWORD }, req("192.0.2.4")))).toBe("unverified");
    const mails = fs.readdirSync(outbox).map((f) => JSON.parse(fs.readFileSync(path.join(outbox, f), "utf8")) as { to: string; text: string });
    expect(mails.filter((m) => m.to === user.email && /verify-email\?token=/.test(m.text))).toHaveLength(1);
  });

  it("records the hashed forwarded address, never the address itself", async () => {
    const dump = JSON.stringify(await t.db.select().from(signInAttempts));
    for (const address of ["203.0.113.9", "192.0.2.", "10.9.9.9"]) expect(dump).not.toContain(address);
  });

  it("encodes {sub, sid} into our session token and decodes it back; refuses a token without a session id", async () => {
    const secret = runtime.secret;
    const jwt = options.jwt!;
    const token = await jwt.encode!({ token: { sub: "person-1", sid: "session-1" }, secret, maxAge: 3600 });
    expect(token.split(".")).toHaveLength(3);
    expect(await verifySessionToken(token, secret)).toMatchObject({ sub: "person-1", sid: "session-1" });
    expect(await jwt.decode!({ token, secret })).toMatchObject({ sub: "person-1", sid: "session-1", exp: expect.any(Number) });
    expect(await jwt.encode!({ token: { sub: "person-1" }, secret, maxAge: 3600 })).toBe("");
    expect(await jwt.decode!({ token: "garbage", secret })).toBeNull();
    expect(await jwt.decode!({ token: token.slice(0, -3) + "abc", secret })).toBeNull();
  });

  it("puts exactly the person and the session into the token, and nothing personal into the client session", async () => {
    const fromSignIn = await options.callbacks!.jwt!({ token: { name: "Nadia", email: "nadia@example.org" }, user: { id: "person-1", sid: "session-1" } as never, account: null } as never);
    expect(fromSignIn).toMatchObject({ sub: "person-1", sid: "session-1" });
    expect(fromSignIn).not.toHaveProperty("email");
    expect(fromSignIn).not.toHaveProperty("name");
    const clientSession = await options.callbacks!.session!({ session: { expires: "2030-01-01T00:00:00.000Z", user: { email: "nadia@example.org" } }, token: fromSignIn } as never);
    expect(clientSession).toEqual({ expires: "2030-01-01T00:00:00.000Z" });
  });

  it("sets HttpOnly, SameSite=Lax cookies and ends the session row on sign-out", async () => {
    expect(options.cookies?.sessionToken?.options).toMatchObject({ httpOnly: true, sameSite: "lax", path: "/" });
    expect(options.session).toMatchObject({ strategy: "jwt", maxAge: 24 * 3600 });
    const user = await newUser();
    const signedIn = await authorize({ email: user.email, password: PASSWORD }, req("192.0.2.5"));
    await options.events!.signOut!({ token: { sub: user.id, sid: signedIn!.sid }, session: null as never });
    expect(await validateSession(t.db, signedIn!.sid, runtime.policy)).toBeNull();
  });
});
