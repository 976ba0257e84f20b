import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures/auth";
import { dismissCookieBanner } from "./support/auth";

/**
 * axe-core on every main page, as each role sees it: no serious or critical WCAG 2.x A/AA violation.
 * A full-page screenshot of each is kept under test-results/screenshots/a11y.
 */
const SCREENSHOTS = path.join(process.cwd(), "test-results", "screenshots", "a11y");
const ORG = "/o/demo-campaign";

async function expectAccessible(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${label.replace(/[^a-z0-9]+/gi, "-")}.png`), fullPage: true });
  expect(serious, `${label}: serious axe violations`).toEqual([]);
}

/** The first link into a detail page from a list page, so detail pages are checked on real demo records. */
async function firstDetail(page: Page, list: string, pattern: RegExp): Promise<string | undefined> {
  await page.goto(list);
  const hrefs = await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
  return hrefs.find((h) => pattern.test(h));
}

test.describe("accessibility (axe-core): public pages", () => {
  for (const url of ["/", "/login", "/signup", "/forgot-password", "/security", "/docs/api"])
    test(`${url} has no serious violations`, async ({ page }) => {
      await page.goto(url);
      await dismissCookieBanner(page);
      await expectAccessible(page, `public ${url}`);
    });

  test("the cookie banner itself has no serious violations", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("region", { name: "Cookies on Rampart" })).toBeVisible();
    await expectAccessible(page, "cookie banner");
  });
});

const pagesByRole = {
  "admin@demo.test": [
    "/orgs",
    ORG,
    `${ORG}/contacts`,
    `${ORG}/contacts/new`,
    `${ORG}/contacts/lists`,
    `${ORG}/contacts/sync`,
    `${ORG}/actions`,
    `${ORG}/actions/new`,
    `${ORG}/actions/trash`,
    `${ORG}/reports`,
    `${ORG}/volunteers`,
    `${ORG}/activity`,
    `${ORG}/deletion-requests`,
    "/settings",
    "/settings/security",
    "/settings/privacy",
  ],
  "owner@demo.test": [`${ORG}/settings`],
  "volunteer@demo.test": [ORG, `${ORG}/contacts`, `${ORG}/contacts/sync`, `${ORG}/actions`, `${ORG}/reports`, `${ORG}/activity`, "/settings/privacy"],
} as const;

for (const [email, urls] of Object.entries(pagesByRole)) {
  test.describe(`accessibility (axe-core): ${email}`, () => {
    for (const url of urls)
      test(`${url} has no serious violations`, async ({ browser, storageStateOf }, testInfo) => {
        const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL, storageState: await storageStateOf(email) });
        const page = await context.newPage();
        try {
          const response = await page.goto(url);
          expect(response?.status(), url).toBe(200);
          await expectAccessible(page, `${email.split("@")[0]} ${url}`);
        } finally {
          await context.close();
        }
      });

    if (email !== "owner@demo.test")
      test("contact and action detail pages have no serious violations", async ({ browser, storageStateOf }, testInfo) => {
        const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL, storageState: await storageStateOf(email) });
        const page = await context.newPage();
        try {
          for (const [list, pattern] of [
            [`${ORG}/contacts`, /\/contacts\/[0-9a-f-]{36}$/],
            [`${ORG}/actions`, /\/actions\/[0-9a-f-]{36}$/],
          ] as const) {
            const href = await firstDetail(page, list, pattern);
            expect(href, `a record linked from ${list}`).toBeDefined();
            await page.goto(href!);
            await expectAccessible(page, `${email.split("@")[0]} ${list} detail`);
          }
        } finally {
          await context.close();
        }
      });
  });
}
