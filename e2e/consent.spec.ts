import { expect, test, type Page } from "@playwright/test";
import { banner, choose, CONSENT_COOKIE, consentCookie, cookieNames, focused, open, pickTheme, tabTo, THEME_COOKIE } from "./support";

const POLICY_VERSION = /^\d{4}-\d{2}-\d{2}$/;

async function serverConsent(page: Page) {
  const response = await page.request.get("/api/consent");
  expect(response.status()).toBe(200);
  return ((await response.json()) as { consent: { consentId: string; policyVersion: string; categories: Record<string, boolean> } | null }).consent;
}

test.describe("cookie consent", () => {
  test("first visit: the banner offers three equally weighted choices and nothing optional is set", async ({ page, context }) => {
    await open(page, "/");
    const region = banner(page);
    await expect(region).toBeVisible();
    const buttons = ["Accept all", "Reject all", "Customise"].map((name) => region.getByRole("button", { name, exact: true }));
    for (const b of buttons) await expect(b).toBeVisible();

    const styles = await Promise.all(
      buttons.map(async (b) => {
        const box = await b.boundingBox();
        const style = await b.evaluate((el) => {
          const s = getComputedStyle(el);
          return {
            fontSize: s.fontSize,
            fontWeight: s.fontWeight,
            padding: [s.paddingTop, s.paddingRight, s.paddingBottom, s.paddingLeft].join(" "),
            background: s.backgroundColor,
            color: s.color,
            border: [s.borderTopWidth, s.borderTopStyle, s.borderTopColor, s.borderBottomWidth, s.borderBottomColor].join(" "),
            radius: s.borderTopLeftRadius,
            textDecoration: s.textDecorationLine,
          };
        });
        return { ...style, height: box!.height };
      }),
    );
    expect(styles[1]).toEqual(styles[0]);
    expect(styles[2]).toEqual(styles[0]);

    // Strictly necessary cookies only before a choice: today that is none at all, even after browsing around.
    expect(await cookieNames(context)).toEqual([]);
    await open(page, "/login");
    await open(page, "/security");
    await expect(banner(page)).toBeVisible();
    expect(await cookieNames(context)).toEqual([]);
    expect(await serverConsent(page)).toBeNull();

    // A theme chosen before any consent is applied to the page but not remembered.
    expect(await pickTheme(page, "dark")).toBe(false);
    expect(await cookieNames(context)).toEqual([]);
  });

  test("while the banner is open it stays in view and hides none of the page, footer cookie settings included", async ({ page }) => {
    for (const path of ["/", "/login", "/security"]) {
      await open(page, path);
      const viewport = page.viewportSize()!;
      const box = (await banner(page).boundingBox())!;
      expect(box.y + box.height, `${path}: banner bottom edge`).toBeLessThanOrEqual(viewport.height + 1);
      expect(box.y, `${path}: banner top edge`).toBeGreaterThanOrEqual(0);

      // Scrolled to the end, as a person looking for the footer would: nothing may stay under the banner.
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      const footer = page.getByRole("contentinfo");
      const footerBox = (await footer.boundingBox())!;
      const bannerBox = (await banner(page).boundingBox())!;
      expect(footerBox.y + footerBox.height, `${path}: footer ends above the banner`).toBeLessThanOrEqual(bannerBox.y + 1);
      // A trial click fails when another element (the banner) would receive the click instead.
      await footer.getByRole("button", { name: "Cookie settings" }).click({ trial: true, timeout: 2_000 });
      await footer.getByLabel("Theme", { exact: true }).click({ trial: true, timeout: 2_000 });
    }
  });

  test("Accept all: the choice is recorded, preference cookies are allowed and the choice persists", async ({ page, context }) => {
    await open(page, "/");
    await choose(page, "Accept all");
    const consent = await consentCookie(context);
    expect(consent.preferences).toBe(true);
    expect(consent.policyVersion).toMatch(POLICY_VERSION);
    expect(consent.cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    expect(await serverConsent(page)).toEqual({
      consentId: consent.consentId,
      policyVersion: consent.policyVersion,
      categories: { necessary: true, preferences: true },
    });

    expect(await pickTheme(page, "dark")).toBe(true);
    expect(await cookieNames(context)).toEqual([CONSENT_COOKIE, THEME_COOKIE]);
    const theme = (await context.cookies()).find((c) => c.name === THEME_COOKIE)!;
    expect(theme).toMatchObject({ value: "dark", httpOnly: true, sameSite: "Lax" });

    await page.reload({ waitUntil: "networkidle" });
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(banner(page)).toHaveCount(0);
    // The server renders the remembered theme.
    await expect(page.locator("html")).toHaveClass("dark");
    await open(page, "/login");
    await expect(banner(page)).toHaveCount(0);
  });

  test("Reject all: choosing a theme sets no non-essential cookie", async ({ page, context }) => {
    await open(page, "/");
    await choose(page, "Reject all");
    const consent = await consentCookie(context);
    expect(consent.preferences).toBe(false);
    expect((await serverConsent(page))?.categories).toEqual({ necessary: true, preferences: false });

    expect(await pickTheme(page, "dark")).toBe(false);
    expect(await cookieNames(context)).toEqual([CONSENT_COOKIE]);

    await page.reload({ waitUntil: "networkidle" });
    await expect(banner(page)).toHaveCount(0);
    await expect(page.locator("html")).toHaveClass("system");
    expect(await cookieNames(context)).toEqual([CONSENT_COOKIE]);
  });

  test("Customise: preferences stay off unless ticked; ticking them allows the theme cookie", async ({ page, context }) => {
    await open(page, "/");
    const customise = banner(page).getByRole("button", { name: "Customise", exact: true });
    await expect(customise).toHaveAttribute("aria-expanded", "false");
    await customise.click();
    await expect(customise).toHaveAttribute("aria-expanded", "true");
    const preferences = banner(page).getByRole("checkbox", { name: /Preferences/ });
    await expect(preferences).not.toBeChecked();
    await expect(banner(page).getByRole("checkbox", { name: /Strictly necessary/ })).toBeDisabled();
    await preferences.check();
    await choose(page, "Save my choices");

    const consent = await consentCookie(context);
    expect(consent.preferences).toBe(true);
    expect((await serverConsent(page))?.categories).toEqual({ necessary: true, preferences: true });
    expect(await pickTheme(page, "light")).toBe(true);
    expect((await context.cookies()).find((c) => c.name === THEME_COOKIE)?.value).toBe("light");
  });

  test("Customise and save without ticking anything counts as a refusal", async ({ page, context }) => {
    await open(page, "/");
    await banner(page).getByRole("button", { name: "Customise", exact: true }).click();
    await choose(page, "Save my choices");
    expect((await consentCookie(context)).preferences).toBe(false);
    expect(await pickTheme(page, "dark")).toBe(false);
    expect(await cookieNames(context)).toEqual([CONSENT_COOKIE]);
  });

  test("change of mind from the footer: Reject all removes the theme cookie and keeps the consent id", async ({ page, context }) => {
    await open(page, "/");
    await choose(page, "Accept all");
    const before = await consentCookie(context);
    expect(await pickTheme(page, "dark")).toBe(true);
    expect(await cookieNames(context)).toEqual([CONSENT_COOKIE, THEME_COOKIE]);

    await page.getByRole("contentinfo").getByRole("button", { name: "Cookie settings" }).click();
    await expect(banner(page)).toBeVisible();
    // Reopened on request: focus moves into the banner so keyboard and screen-reader users land on it.
    await expect(banner(page).getByRole("heading", { name: "Cookies on Rampart" })).toBeFocused();
    // Customise shows the choice in force, not a blank form that would withdraw consent on save.
    await banner(page).getByRole("button", { name: "Customise", exact: true }).click();
    await expect(banner(page).getByRole("checkbox", { name: /Preferences/ })).toBeChecked();
    await choose(page, "Reject all");

    expect(await cookieNames(context)).toEqual([CONSENT_COOKIE]);
    const after = await consentCookie(context);
    expect(after.consentId).toBe(before.consentId);
    expect(after.preferences).toBe(false);
    expect(after.cookie.value).toBe(`v1.${before.consentId}.${before.policyVersion}.0`);
    expect(await serverConsent(page)).toEqual({ consentId: before.consentId, policyVersion: before.policyVersion, categories: { necessary: true, preferences: false } });

    await page.reload({ waitUntil: "networkidle" });
    await expect(banner(page)).toHaveCount(0);
    await expect(page.locator("html")).toHaveClass("system");
  });

  test("the banner works from the keyboard alone, with visible focus", async ({ page, context }) => {
    await open(page, "/");
    await tabTo(page, "button:Accept all");
    const accept = banner(page).getByRole("button", { name: "Accept all", exact: true });
    await expect(accept).toBeFocused();
    const outline = await accept.evaluate((el) => {
      const s = getComputedStyle(el);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), focusVisible: el.matches(":focus-visible") };
    });
    expect(outline.focusVisible).toBe(true);
    expect(outline.style).not.toBe("none");
    expect(outline.width).toBeGreaterThanOrEqual(2);

    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("button:Reject all");
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("button:Customise");
    await page.keyboard.press("Space");
    const preferences = banner(page).getByRole("checkbox", { name: /Preferences/ });
    await expect(preferences).toBeVisible();

    await tabTo(page, "input:preferences", { backwards: true, max: 10 });
    await page.keyboard.press("Space");
    await expect(preferences).toBeChecked();
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("button:Save my choices");
    const recorded = page.waitForResponse((r) => r.url().endsWith("/api/consent") && r.request().method() === "POST");
    await page.keyboard.press("Enter");
    expect((await recorded).status()).toBe(200);
    await expect(banner(page)).toBeHidden();
    expect((await consentCookie(context)).preferences).toBe(true);
  });

  test("Enter on Reject all works from the keyboard", async ({ page, context }) => {
    await open(page, "/login");
    await tabTo(page, "button:Reject all");
    const recorded = page.waitForResponse((r) => r.url().endsWith("/api/consent") && r.request().method() === "POST");
    await page.keyboard.press("Enter");
    expect((await recorded).status()).toBe(200);
    await expect(banner(page)).toBeHidden();
    expect((await consentCookie(context)).preferences).toBe(false);
  });
});
