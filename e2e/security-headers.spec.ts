import { expect, test, type Page } from "@playwright/test";
import { banner, open } from "./support";

const NOT_FOUND = "/this-page-does-not-exist";
const PATHS = ["/", "/login", "/security", "/api/health", NOT_FOUND];
const PAGES = ["/", "/login", "/signup", "/forgot-password", "/security", "/cookies", NOT_FOUND];

function cspDirectives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(";")
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name!.toLowerCase(), values];
      }),
  );
}

function nonceOf(csp: string): string {
  const nonce = /'nonce-([A-Za-z0-9+/=_-]+)'/.exec(cspDirectives(csp).get("script-src")?.join(" ") ?? "")?.[1];
  expect(nonce, `script-src nonce in ${csp}`).toBeTruthy();
  return nonce!;
}

function expectTransportHeaders(headers: Record<string, string>, what: string) {
  expect(headers["strict-transport-security"], `${what}: HSTS`).toMatch(/max-age=(\d{8,}|[3-9]\d{7})/);
  expect(headers["x-content-type-options"], `${what}: nosniff`).toBe("nosniff");
  expect(headers["referrer-policy"], `${what}: Referrer-Policy`).toMatch(/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/);
  expect(headers["cross-origin-opener-policy"], `${what}: COOP`).toBe("same-origin");
}

function expectStrictCsp(response: { headers(): Record<string, string> }, path: string): string {
  const headers = response.headers();
  const csp = headers["content-security-policy"];
  expect(csp, `${path}: Content-Security-Policy`).toBeTruthy();
  const d = cspDirectives(csp!);
  const scripts = d.get("script-src") ?? [];
  expect(scripts, `${path}: script-src`).toContain("'strict-dynamic'");
  expect(scripts, `${path}: script-src`).not.toContain("'unsafe-inline'");
  expect(scripts, `${path}: script-src`).not.toContain("'unsafe-eval'");
  expect(d.get("frame-ancestors"), `${path}: frame-ancestors`).toEqual(["'none'"]);
  expect(d.get("object-src"), `${path}: object-src`).toEqual(["'none'"]);
  expect(d.get("base-uri"), `${path}: base-uri`).toEqual(["'none'"]);
  expectTransportHeaders(headers, path);
  return nonceOf(csp!);
}

test.describe("security headers", () => {
  for (const path of PATHS) {
    test(`${path} carries a nonce CSP with strict-dynamic and the transport headers`, async ({ request }) => {
      const response = await request.get(path);
      expect(response.status()).toBe(path === NOT_FOUND ? 404 : 200);
      expectStrictCsp(response, path);
    });
  }

  test("every response gets a fresh nonce", async ({ request }) => {
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i++) nonces.add(expectStrictCsp(await request.get("/login"), "/login"));
    expect(nonces.size).toBe(3);
    for (const n of nonces) expect(Buffer.from(n, "base64").length).toBeGreaterThanOrEqual(16);
  });

  for (const path of ["/", "/login", "/security", NOT_FOUND]) {
    test(`every script tag on ${path} carries the nonce of its own response`, async ({ page }) => {
      const response = await page.goto(path);
      expect(response).not.toBeNull();
      const nonce = expectStrictCsp(response!, path);
      const html = await response!.text();
      const tags = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(tags.length, "script tags in the page").toBeGreaterThan(0);
      for (const tag of tags) expect(/\snonce="([^"]*)"/.exec(tag)?.[1], tag).toBe(nonce);
      // And the browser sees the same nonce on the scripts it ran (it hides the attribute, not the property).
      const live = await page.evaluate(() => [...document.querySelectorAll("script")].filter((s) => s.nonce).map((s) => s.nonce));
      expect(live.length).toBeGreaterThan(0);
      expect(new Set(live)).toEqual(new Set([nonce]));
    });
  }

  test("static build assets carry nosniff and HSTS", async ({ request }) => {
    const html = await (await request.get("/")).text();
    const assets = [...new Set([...html.matchAll(/\/_next\/static\/[^"'\s<>]+\.(?:js|css)/g)].map((m) => m[0]))];
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    expect(assets.some((a) => a.endsWith(".css"))).toBe(true);
    for (const asset of [assets.find((a) => a.endsWith(".js"))!, assets.find((a) => a.endsWith(".css"))!]) {
      const response = await request.get(asset);
      expect(response.status(), asset).toBe(200);
      expectTransportHeaders(response.headers(), asset);
    }
  });
});

test.describe("content security policy in the browser", () => {
  async function watchViolations(page: Page) {
    const problems: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error" && /content security policy|content-security-policy|refused to (execute|load|apply)/i.test(msg.text())) problems.push(`console: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        const w = window as unknown as { __cspViolations?: string[] };
        (w.__cspViolations ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    return problems;
  }

  test("the main pages load and hydrate with no CSP violation or script error", async ({ page }) => {
    const problems = await watchViolations(page);
    for (const path of PAGES) {
      await open(page, path);
      const violations = await page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
      problems.push(...violations.map((v) => `${path}: securitypolicyviolation ${v}`));
    }
    // Scripts really ran under the policy: the client-side banner reacts.
    await open(page, "/");
    const customise = banner(page).getByRole("button", { name: "Customise", exact: true });
    await customise.click();
    await expect(customise).toHaveAttribute("aria-expanded", "true");
    await expect(page.locator("html")).toHaveClass("system");
    expect(problems).toEqual([]);
  });

  test("an inline script injected without the nonce is blocked", async ({ page }) => {
    const problems = await watchViolations(page);
    await open(page, "/security");
    const ran = await page.evaluate(async () => {
      const w = window as unknown as { __injected?: boolean };
      const s = document.createElement("div");
      s.innerHTML = "<img src=x onerror=\"window.__injected = true\">";
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 300));
      return w.__injected === true;
    });
    expect(ran).toBe(false);
    expect(problems.some((p) => /content security policy/i.test(p))).toBe(true);
  });
});
