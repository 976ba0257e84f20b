import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recoveryCodes, users } from "@/db/schema";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { clearRecoveryCodes, consumeRecoveryCode, issueRecoveryCodes, RECOVERY_CODE_COUNT, remainingRecoveryCodes } from "./recovery-codes";

describe.each(testBackends())("recovery codes (%s)", (backend) => {
  let t: TestDatabase;
  let n = 0;
  async function newUser(): Promise<string> {
    const [user] = await t.db.insert(users).values({ email: `recovery-${++n}@example.org`, name: `Recovery ${n}` }).returning();
    return user!.id;
  }

  beforeAll(async () => {
    t = await createTestDatabase(backend);
  });
  afterAll(async () => t?.drop());

  it("issues ten distinct codes, shown once and stored only as keyed hashes", async () => {
    const userId = await newUser();
    const codes = await issueRecoveryCodes(t.db, userId);
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(RECOVERY_CODE_COUNT).toBe(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    const rows = await t.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    expect(rows).toHaveLength(10);
    const stored = JSON.stringify(rows);
    for (const code of codes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace("-", ""));
    }
  });

  it("accepts each code exactly once; a used code fails", async () => {
    const userId = await newUser();
    const codes = await issueRecoveryCodes(t.db, userId);
    for (const [i, code] of codes.entries()) {
      expect(await consumeRecoveryCode(t.db, userId, code)).toBe(true);
      expect(await consumeRecoveryCode(t.db, userId, code)).toBe(false);
      expect(await remainingRecoveryCodes(t.db, userId)).toBe(9 - i);
    }
  });

  it("forgives case, spaces and the dash, not a wrong character", async () => {
    const userId = await newUser();
    const [code] = await issueRecoveryCodes(t.db, userId);
    const wrong = code!.replace(/^./, (c) => (c === "a" ? "b" : "a"));
    expect(await consumeRecoveryCode(t.db, userId, wrong)).toBe(false);
    expect(await consumeRecoveryCode(t.db, userId, ` ${code!.toUpperCase().replace("-", " ")} `)).toBe(true);
    expect(await consumeRecoveryCode(t.db, userId, code!)).toBe(false);
  });

  it("lets exactly one of two concurrent uses of one code succeed", async () => {
    const userId = await newUser();
    const [code] = await issueRecoveryCodes(t.db, userId);
    const results = await Promise.all([consumeRecoveryCode(t.db, userId, code!), consumeRecoveryCode(t.db, userId, code!)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await remainingRecoveryCodes(t.db, userId)).toBe(9);
  });

  it("does not accept one person's code for another", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const [alicesCode] = await issueRecoveryCodes(t.db, alice);
    await issueRecoveryCodes(t.db, bob);
    expect(await consumeRecoveryCode(t.db, bob, alicesCode!)).toBe(false);
    expect(await consumeRecoveryCode(t.db, alice, alicesCode!)).toBe(true);
  });

  it("replaces the old codes when new ones are issued, and clearing removes them all", async () => {
    const userId = await newUser();
    const [old] = await issueRecoveryCodes(t.db, userId);
    const fresh = await issueRecoveryCodes(t.db, userId);
    expect(await consumeRecoveryCode(t.db, userId, old!)).toBe(false);
    expect(await consumeRecoveryCode(t.db, userId, fresh[0]!)).toBe(true);
    await clearRecoveryCodes(t.db, userId);
    expect(await remainingRecoveryCodes(t.db, userId)).toBe(0);
    expect(await consumeRecoveryCode(t.db, userId, fresh[1]!)).toBe(false);
  });
});
