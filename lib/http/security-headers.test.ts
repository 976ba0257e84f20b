import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, createNonce, staticSecurityHeaders } from "./security-headers";

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe("contentSecurityPolicy", () => {
  const nonce = "bm9uY2Utbm9uY2Utbm9uYw==";
  const csp = directives(contentSecurityPolicy(nonce));

  it("allows scripts only by nonce with strict-dynamic, never inline or eval in production", () => {
    const scripts = csp.get("script-src")!;
    expect(scripts).toContain(`'nonce-${nonce}'`);
    expect(scripts).toContain("'strict-dynamic'");
    expect(scripts).not.toContain("'unsafe-inline'");
    expect(scripts).not.toContain("'unsafe-eval'");
    expect(scripts.some((s) => s === "*" || s.startsWith("http:") || s.startsWith("https:") || s === "data:")).toBe(false);
  });

  it("allows no inline styles in production", () => {
    expect(csp.get("style-src")).toContain(`'nonce-${nonce}'`);
    expect(csp.get("style-src")).not.toContain("'unsafe-inline'");
  });

  it.each([
    ["frame-ancestors", "'none'"],
    ["object-src", "'none'"],
    ["base-uri", "'none'"],
    ["default-src", "'self'"],
    ["form-action", "'self'"],
  ])("sets %s %s", (name, value) => {
    expect(csp.get(name)).toEqual([value]);
  });

  it("relaxes only for the development server", () => {
    const dev = directives(contentSecurityPolicy(nonce, true));
    expect(dev.get("script-src")).toContain("'unsafe-eval'");
    expect(dev.get("frame-ancestors")).toEqual(["'none'"]);
    expect(dev.get("object-src")).toEqual(["'none'"]);
  });
});

describe("createNonce", () => {
  it("gives a fresh 128-bit base64 value each time", () => {
    const nonces = new Set(Array.from({ length: 50 }, () => createNonce()));
    expect(nonces.size).toBe(50);
    for (const n of nonces) {
      expect(n).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(n, "base64")).toHaveLength(16);
    }
  });
});

describe("staticSecurityHeaders", () => {
  it("asks for HTTPS for at least a year, including subdomains", () => {
    const hsts = staticSecurityHeaders["Strict-Transport-Security"]!;
    expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31_536_000);
    expect(hsts).toContain("includeSubDomains");
  });

  it("sets nosniff, a referrer policy, COOP and frame denial", () => {
    expect(staticSecurityHeaders["X-Content-Type-Options"]).toBe("nosniff");
    expect(["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"]).toContain(staticSecurityHeaders["Referrer-Policy"]);
    expect(staticSecurityHeaders["Cross-Origin-Opener-Policy"]).toBe("same-origin");
    expect(staticSecurityHeaders["X-Frame-Options"]).toBe("DENY");
  });
});
