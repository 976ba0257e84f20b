import path from "node:path";
import { expect, test } from "@playwright/test";
import { open } from "./support";

const SCREENSHOTS = path.join(process.cwd(), "test-results", "screenshots");
const LEAKS = [
  /\bat [\w$.<>]+ \(/, // stack frame
  /\/work\/|\/home\/|\/srv\/|[A-Z]:\\/, // absolute file paths
  /node_modules/,
  /\.tsx?\b/,
  /webpack-internal|turbopack:\/\//i,
  /ZodError|TypeError|ReferenceError/,
];

function expectNoLeak(text: string, what: string) {
  for (const pattern of LEAKS) expect(text, `${what} matches ${pattern}`).not.toMatch(pattern);
}

test.describe("public pages", () => {
  for (const [url, heading] of [
    ["/", "Campaign data your security reviewer can trust."],
    ["/login", "Sign in"],
    ["/signup", "Create an account"],
    ["/forgot-password", "Reset your password"],
    ["/security", "Security at Rampart"],
    ["/cookies", "Cookie policy"],
  ] as const) {
    test(`${url} renders with its heading, navigation and footer`, async ({ page }) => {
      const response = await open(page, url);
      expect(response.status()).toBe(200);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
      await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
      await expect(page.getByRole("contentinfo").getByRole("button", { name: "Cookie settings" })).toBeAttached();
      await expect(page).toHaveTitle(/Rampart/);
    });
  }

  test("the login form keeps the typed email after submit and shows a message", async ({ page }) => {
    await open(page, "/login");
    const email = page.getByLabel("Email");
    await email.fill("nobody-here@example.org");
    await page.getByLabel("Password").fill("a long enough passphrase");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const message = page.getByRole("alert").or(page.getByRole("status")).first();
    await expect(message).toBeVisible();
    await expect(message).toHaveText(/\w{3,}/);
    expectNoLeak(await message.innerText(), "sign-in message");
    await expect(page).toHaveURL(/\/login/);
    await expect(email).toHaveValue("nobody-here@example.org");
  });

  test("the sign-in form never puts the password in the URL, even before its script runs", async ({ browser, baseURL }) => {
    // Without JavaScript the form submits natively, as it does when clicked before hydration.
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
    try {
      const page = await context.newPage();
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      await page.goto("/login");
      await page.getByLabel("Email").fill("nobody-here@example.org");
      await page.getByLabel("Password").fill("a long enough passphrase");
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.waitForLoadState("load");
      for (const url of [...requests, page.url()]) expect(url).not.toMatch(/passphrase|password=/);
    } finally {
      await context.close();
    }
  });

  test("a malformed email gets a clear message and is kept for correction", async ({ page }) => {
    await open(page, "/forgot-password");
    await page.getByLabel("Email").fill("alex.example.org");
    await page.getByRole("button", { name: "Send reset link" }).click();
    await expect(page.getByText("Enter an email address such as name@example.org.")).toBeVisible();
    await expect(page.getByLabel("Email")).toHaveValue("alex.example.org");
  });

  test("an unknown path answers 404 with a plain page and no internals", async ({ page, request }) => {
    const raw = await request.get("/no/such/page-42");
    expect(raw.status()).toBe(404);
    const html = await raw.text();
    expect(html).toContain("Page not found");
    expectNoLeak(html, "404 HTML");

    const response = await open(page, "/no/such/page-42");
    expect(response.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
    await expect(page.getByRole("link", { name: "Go to the start page" })).toBeVisible();
    expectNoLeak(await page.locator("body").innerText(), "404 page text");
  });

  test("screenshots of home, login and security", async ({ page }) => {
    for (const [name, url] of [
      ["home", "/"],
      ["login", "/login"],
      ["security", "/security"],
    ] as const) {
      await open(page, url);
      // Scrolled to the end so the sticky banner is drawn in its own place, under the footer.
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    }
    // The same pages once a choice is made and the dark theme is on (the banner is gone then).
    await page.getByRole("button", { name: "Reject all", exact: true }).click();
    await page.getByRole("contentinfo").getByLabel("Theme", { exact: true }).selectOption("dark");
    await expect(page.locator("html")).toHaveClass("dark");
    await page.screenshot({ path: path.join(SCREENSHOTS, "security-dark.png"), fullPage: true });
  });
});

test.describe("API edges", () => {
  test("/api/health reports ok with component checks and no secrets", async ({ request }) => {
    const response = await request.get("/api/health");
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toMatch(/^application\/json/);
    expect(response.headers()["cache-control"]).toContain("no-store");
    const text = await response.text();
    const body = JSON.parse(text) as { status: string; checks: Record<string, { status: string; kind: string }> };
    expect(body.status).toBe("ok");
    expect(body.checks.database?.status).toBe("ok");
    expect(body.checks.database?.kind).toBe("pglite");
    for (const secret of [/postgres(ql)?:\/\//i, /key/i, /secret/i, /password/i, /token/i, /redis:\/\//i, /\.data|\/tmp\//]) expect(text).not.toMatch(secret);
  });

  test("a cross-site POST to /api/consent is refused with 403 problem+json and sets nothing", async ({ request }) => {
    const attempts: Record<string, string>[] = [{ origin: "https://evil.example" }, { origin: "null" }, { "sec-fetch-site": "cross-site" }];
    for (const headers of attempts) {
      const response = await request.post("/api/consent", { headers, data: { choice: "accept_all" } });
      expect(response.status(), JSON.stringify(headers)).toBe(403);
      expect(response.headers()["content-type"]).toBe("application/problem+json");
      expect(response.headers()["set-cookie"]).toBeUndefined();
      expect(await response.json()).toMatchObject({ status: 403, title: expect.any(String) });
    }
    const theme = await request.post("/api/preferences", { headers: { origin: "https://evil.example" }, data: { theme: "dark" } });
    expect(theme.status()).toBe(403);
  });

  test("an invalid body to /api/consent gets 400 problem+json with no stack trace", async ({ request, baseURL }) => {
    for (const data of [{ choice: "accept_some" }, { choice: "custom", categories: { preferences: "yes", marketing: true } }, "not json at all"]) {
      const response = await request.post("/api/consent", {
        headers: { origin: baseURL!, "content-type": "application/json" },
        data: typeof data === "string" ? data : JSON.stringify(data),
      });
      expect(response.status(), JSON.stringify(data)).toBe(400);
      expect(response.headers()["content-type"]).toBe("application/problem+json");
      expect(response.headers()["set-cookie"]).toBeUndefined();
      const text = await response.text();
      expectNoLeak(text, "problem body");
      expect(text).not.toMatch(/"stack"|"sql"|select |insert /i);
      expect(JSON.parse(text)).toMatchObject({ status: 400, title: expect.any(String) });
    }
  });

  test("a same-origin POST to /api/consent is accepted", async ({ request, baseURL }) => {
    const response = await request.post("/api/consent", { headers: { origin: baseURL! }, data: { choice: "reject_all" } });
    expect(response.status()).toBe(200);
    expect(response.headers()["set-cookie"]).toMatch(/^rampart-consent=v1\./);
  });
});
