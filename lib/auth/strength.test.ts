import { describe, expect, it } from "vitest";
import { assessPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./strength";

const person = { name: "Margarethe Vandersloot", email: "margarethe.vandersloot@example.org" };

describe("password strength", () => {
  it.each(["password123456", "qwertyuiop12", "iloveyou12345", "1q2w3e4r5t6y"])("refuses the common password %j and says why", (password) => {
    const result = assessPassword(password);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(/too easy to guess/);
      expect(result.reason).toMatch(/common/i);
    }
  });

  it.each(["margarethe.vandersloot@example.org", "margarethevandersloot", "Margarethe Vandersloot 2024", "margarethe.vandersloot"])(
    "refuses %j, built from the person's own name and email, though it passes for someone else",
    (password) => {
      expect(assessPassword(password, person).ok).toBe(false);
      expect(assessPassword(password).ok).toBe(true);
    },
  );

  it("accepts a passphrase of four unrelated words, with no composition rules", () => {
    expect(assessPassword("violet tugboat marmalade quarry", person)).toEqual({ ok: true, score: expect.any(Number) });
    expect(assessPassword("correct horse battery staple").ok).toBe(true);
  });

  it("accepts long passphrases: 64+ and 200 characters", () => {
    const sixtyFive = "violet tugboat marmalade quarry, seventeen lanterns over harbor rd";
    expect(sixtyFive.length).toBeGreaterThanOrEqual(64);
    expect(assessPassword(sixtyFive, person).ok).toBe(true);
    const twoHundred = "violet tugboat marmalade quarry seventeen lanterns ".repeat(4).slice(0, 200);
    expect(twoHundred).toHaveLength(200);
    expect(assessPassword(twoHundred, person).ok).toBe(true);
    const atMax = "violet tugboat marmalade quarry seventeen lanterns ".repeat(20).slice(0, MAX_PASSWORD_LENGTH);
    expect(assessPassword(atMax).ok).toBe(true);
  });

  it(`refuses more than ${MAX_PASSWORD_LENGTH} characters, and says so`, () => {
    const result = assessPassword("violet tugboat marmalade quarry ".repeat(20).slice(0, MAX_PASSWORD_LENGTH + 1));
    expect(result).toEqual({ ok: false, score: 0, reason: expect.stringContaining(`at most ${MAX_PASSWORD_LENGTH}`) });
  });

  it(`refuses fewer than ${MIN_PASSWORD_LENGTH} characters, and suggests a passphrase`, () => {
    const result = assessPassword("Zq8#vL2!x");
    expect(result).toEqual({ ok: false, score: 0, reason: expect.stringContaining(`at least ${MIN_PASSWORD_LENGTH}`) });
  });

  it("explains a refusal in words, not just a score", () => {
    const result = assessPassword("aaaaaaaaaaaaaaaaaaaa");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason.length).toBeGreaterThan(40);
      expect(result.reason).toMatch(/passphrase/);
    }
  });
});
