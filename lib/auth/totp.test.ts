import { eq } from "drizzle-orm";
import { generate } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpFactors, users } from "@/db/schema";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { beginTotpEnrolment, confirmTotpEnrolment, hasTotp, removeTotp, verifyTotpCode } from "./totp";

const STEP = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Now, in seconds, far enough from the end of a 30 s step that codes made for the previous, current
 * and next step are all still inside the ±1 step tolerance when the server checks them.
 */
async function steadyNow(): Promise<number> {
  const intoStep = (Date.now() / 1000) % STEP;
  if (intoStep > STEP - 5) await sleep((STEP - intoStep + 0.2) * 1000);
  return Math.floor(Date.now() / 1000);
}

const codeAt = (secret: string, epoch: number) => generate({ secret, epoch });
const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

describe.each(testBackends())("TOTP second factor (%s)", (backend) => {
  let t: TestDatabase;
  let n = 0;

  async function newUser() {
    const [user] = await t.db.insert(users).values({ email: `totp-${++n}@example.org`, name: `Totp ${n}` }).returning();
    return { id: user!.id, email: user!.email };
  }

  beforeAll(async () => {
    t = await createTestDatabase(backend);
  });
  afterAll(async () => t?.drop());

  it("enrols with a QR code and a manual key, sealed at rest, and counts only once confirmed", async () => {
    const user = await newUser();
    const enrolment = await beginTotpEnrolment(t.db, user);
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.uri).toMatch(/^otpauth:\/\/totp\/Rampart:/);
    expect(enrolment.uri).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    const [row] = await t.db.select().from(totpFactors).where(eq(totpFactors.userId, user.id));
    expect(row!.secretSealed).not.toContain(enrolment.secret);
    expect(row!.confirmedAt).toBeNull();
    expect(await hasTotp(t.db, user.id)).toBe(false);
    // Unconfirmed, a right code does not pass as a sign-in code.
    expect(await verifyTotpCode(t.db, user.id, await codeAt(enrolment.secret, await steadyNow()))).toBe(false);
  });

  it("confirms with a first code, then accepts a fresh code once: the same code replayed fails", async () => {
    const user = await newUser();
    const { secret } = await beginTotpEnrolment(t.db, user);
    const now = await steadyNow();
    const first = await codeAt(secret, now - STEP);
    expect(await confirmTotpEnrolment(t.db, user.id, otherCode(first))).toBe(false);
    expect(await confirmTotpEnrolment(t.db, user.id, first)).toBe(true);
    expect(await hasTotp(t.db, user.id)).toBe(true);

    const fresh = await codeAt(secret, now);
    expect(await verifyTotpCode(t.db, user.id, fresh)).toBe(true);
    expect(await verifyTotpCode(t.db, user.id, fresh)).toBe(false);
  });

  it("refuses the confirmation code when it is replayed as a sign-in code", async () => {
    const user = await newUser();
    const { secret } = await beginTotpEnrolment(t.db, user);
    const code = await codeAt(secret, await steadyNow());
    expect(await confirmTotpEnrolment(t.db, user.id, code)).toBe(true);
    expect(await verifyTotpCode(t.db, user.id, code)).toBe(false);
  });

  it("refuses an older step's code once a newer step was used, and accepts a newer one after an older", async () => {
    const user = await newUser();
    const { secret } = await beginTotpEnrolment(t.db, user);
    const now = await steadyNow();
    const [previous, current, next] = await Promise.all([codeAt(secret, now - STEP), codeAt(secret, now), codeAt(secret, now + STEP)]);
    expect(await confirmTotpEnrolment(t.db, user.id, previous)).toBe(true);
    expect(await verifyTotpCode(t.db, user.id, next)).toBe(true);
    // `current` was never used, but it belongs to a step older than the last one accepted.
    expect(await verifyTotpCode(t.db, user.id, current)).toBe(false);
  });

  it("lets exactly one of two concurrent uses of the same code through", async () => {
    const user = await newUser();
    const { secret } = await beginTotpEnrolment(t.db, user);
    const now = await steadyNow();
    expect(await confirmTotpEnrolment(t.db, user.id, await codeAt(secret, now - STEP))).toBe(true);
    const code = await codeAt(secret, now);
    const results = await Promise.all([verifyTotpCode(t.db, user.id, code), verifyTotpCode(t.db, user.id, code), verifyTotpCode(t.db, user.id, code)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("refuses wrong, malformed and far-off codes", async () => {
    const user = await newUser();
    const { secret } = await beginTotpEnrolment(t.db, user);
    const now = await steadyNow();
    expect(await confirmTotpEnrolment(t.db, user.id, await codeAt(secret, now - STEP))).toBe(true);
    const right = await codeAt(secret, now);
    for (const bad of [otherCode(right), "", "12345", "1234567", "abcdef", ` ${right}`, await codeAt(secret, now - 10 * STEP), await codeAt(secret, now + 10 * STEP)])
      expect(await verifyTotpCode(t.db, user.id, bad)).toBe(false);
    expect(await verifyTotpCode(t.db, user.id, right)).toBe(true);
  });

  it("does not accept one person's code for another", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const a = await beginTotpEnrolment(t.db, alice);
    const b = await beginTotpEnrolment(t.db, bob);
    const now = await steadyNow();
    expect(await confirmTotpEnrolment(t.db, alice.id, await codeAt(a.secret, now - STEP))).toBe(true);
    expect(await confirmTotpEnrolment(t.db, bob.id, await codeAt(b.secret, now - STEP))).toBe(true);
    const alicesCode = await codeAt(a.secret, now);
    if (alicesCode !== (await codeAt(b.secret, now))) expect(await verifyTotpCode(t.db, bob.id, alicesCode)).toBe(false);
  });

  it("will not start a second enrolment over a confirmed one, and removal turns it off", async () => {
    const user = await newUser();
    const { secret } = await beginTotpEnrolment(t.db, user);
    expect(await confirmTotpEnrolment(t.db, user.id, await codeAt(secret, await steadyNow()))).toBe(true);
    await expect(beginTotpEnrolment(t.db, user)).rejects.toThrow(/already on/);
    await removeTotp(t.db, user.id);
    expect(await hasTotp(t.db, user.id)).toBe(false);
  });
});
