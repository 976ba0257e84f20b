import { expect, type BrowserContext, type Page, type Response } from "@playwright/test";

/** Over plain http (the test server) cookie names carry no `__Host-` prefix. */
export const CONSENT_COOKIE = "rampart-consent";
export const THEME_COOKIE = "rampart-theme";
export const CONSENT_VALUE = /^v1\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([\w-]+)\.([01])$/;

/**
 * Navigates and waits until React has hydrated the layout: before that, a click or Enter reaches
 * server-rendered markup with no handlers (and a form would submit natively).
 */
export async function open(page: Page, path: string): Promise<Response> {
  const response = await page.goto(path, { waitUntil: "networkidle" });
  expect(response, `no response for ${path}`).not.toBeNull();
  expect(response!.status(), `${path} answered a server error`).toBeLessThan(500);
  await page.waitForFunction(() => {
    const el = document.querySelector("footer button");
    return el !== null && Object.keys(el).some((k) => k.startsWith("__reactProps$"));
  });
  return response!;
}

export const banner = (page: Page) => page.getByRole("region", { name: "Cookies on Rampart" });

export async function cookieNames(context: BrowserContext): Promise<string[]> {
  return (await context.cookies()).map((c) => c.name).sort();
}

export async function consentCookie(context: BrowserContext) {
  const cookie = (await context.cookies()).find((c) => c.name === CONSENT_COOKIE);
  expect(cookie, "consent cookie").toBeDefined();
  const match = CONSENT_VALUE.exec(cookie!.value);
  expect(match, `consent cookie value ${cookie!.value}`).not.toBeNull();
  return { cookie: cookie!, consentId: match![1]!, policyVersion: match![2]!, preferences: match![3] === "1" };
}

/** Clicks a banner button and waits until the server has recorded the choice. */
export async function choose(page: Page, name: "Accept all" | "Reject all" | "Save my choices"): Promise<void> {
  const recorded = page.waitForResponse((r) => r.url().endsWith("/api/consent") && r.request().method() === "POST");
  await banner(page).getByRole("button", { name, exact: true }).click();
  expect((await recorded).status()).toBe(200);
  await expect(banner(page)).toBeHidden();
}

/**
 * Picks a theme in the footer, waits for the server's answer and returns whether it set a cookie.
 * (The page never reads that response's body, so Playwright cannot either: the headers tell.)
 */
export async function pickTheme(page: Page, theme: "light" | "dark" | "system"): Promise<boolean> {
  const answered = page.waitForResponse((r) => r.url().endsWith("/api/preferences") && r.request().method() === "POST");
  await page.getByRole("contentinfo").getByLabel("Theme", { exact: true }).selectOption(theme);
  const response = await answered;
  expect(response.status()).toBe(200);
  await expect(page.locator("html")).toHaveClass(theme);
  return (await response.headerValue("set-cookie")) !== null;
}

/** A short description of the focused element, for keyboard tests. */
export function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "";
    const name = el.getAttribute("aria-label") ?? el.getAttribute("name") ?? el.textContent?.trim() ?? "";
    return `${el.tagName.toLowerCase()}:${name}`;
  });
}

/** Presses Tab (or Shift+Tab) until the focused element matches, within a bounded number of steps. */
export async function tabTo(page: Page, target: string, { backwards = false, max = 40 } = {}): Promise<number> {
  for (let steps = 1; steps <= max; steps++) {
    await page.keyboard.press(backwards ? "Shift+Tab" : "Tab");
    if ((await focused(page)) === target) return steps;
  }
  throw new Error(`${target} was not reached with ${max} presses of ${backwards ? "Shift+Tab" : "Tab"}`);
}
