import { describe, expect, it } from "vitest";
import { parseTheme } from "./preferences";

describe("parseTheme", () => {
  it("accepts the known themes and falls back to system for anything else", () => {
    expect(parseTheme("dark")).toBe("dark");
    expect(parseTheme("light")).toBe("light");
    expect(parseTheme(undefined)).toBe("system");
    expect(parseTheme('dark" onload="x')).toBe("system");
  });
});
