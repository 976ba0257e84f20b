import { describe, expect, it } from "vitest";
import { assertRateLimitKey, MAX_RATE_LIMIT_KEY_LENGTH, parseRateLimiterOptions } from "./limiter";

describe("rate limiter options", () => {
  it("accepts a name, a positive limit and a window", () => {
    expect(parseRateLimiterOptions({ name: "login-account", limit: 5, windowMs: 60_000 })).toEqual({
      name: "login-account",
      limit: 5,
      windowMs: 60_000,
    });
  });

  it.each([
    ["a colon in the name, which would blur name and key", { name: "login:account", limit: 5, windowMs: 1_000 }, /name/],
    ["an empty name", { name: "", limit: 5, windowMs: 1_000 }, /name/],
    ["a zero limit", { name: "x", limit: 0, windowMs: 1_000 }, /limit/],
    ["a fractional limit", { name: "x", limit: 1.5, windowMs: 1_000 }, /limit/],
    ["a zero window", { name: "x", limit: 1, windowMs: 0 }, /windowMs/],
  ])("rejects %s", (_, options, message) => {
    expect(() => parseRateLimiterOptions(options)).toThrow(message);
  });
});

describe("rate limit keys", () => {
  it("accepts a keyed hash and refuses empty or overlong keys", () => {
    expect(() => assertRateLimitKey("a".repeat(64))).not.toThrow();
    expect(() => assertRateLimitKey("")).toThrow(/non-empty/);
    expect(() => assertRateLimitKey("a".repeat(MAX_RATE_LIMIT_KEY_LENGTH + 1))).toThrow(/at most/);
  });
});
