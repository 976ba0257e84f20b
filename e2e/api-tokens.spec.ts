import AxeBuilder from "@axe-core/playwright";
import { DEMO_PASSWORD, expect, test } from "./fixtures/auth";

/** A member creates a token on /settings/security (password again), uses it over HTTP, renews it, revokes it. */
test.describe("API tokens on /settings/security", () => {
  test("create, use, renew and revoke a token; the page stays accessible", async ({ browser, storageStateOf, request }) => {
    const context = await browser.newContext({ storageState: await storageStateOf("admin@demo.test") });
    const page = await context.newPage();
    await page.goto("/settings/security");
    const campaign = page.getByRole("region", { name: "API tokens for Demo Campaign" });
    const form = campaign.getByRole("form").first();

    // A wrong password gives no token.
    await form.getByLabel("Token name").fill("e2e sheet");
    await form.getByLabel("contacts:read").check();
    await form.getByLabel("Your password").fill("not-my-password-at-all");
    await form.getByRole("button", { name: /Create token/ }).click();
    await expect(form.getByText(/not accepted/)).toBeVisible();

    await form.getByLabel("Token name").fill("e2e sheet");
    await form.getByLabel("contacts:read").check();
    await form.getByLabel("Your password").fill(DEMO_PASSWORD);
    await form.getByRole("button", { name: /Create token/ }).click();
    const secret = (await form.getByTestId("api-token-secret").textContent())!.trim();
    expect(secret).toMatch(/^rpt_/);

    const auth = { authorization: `Bearer ${secret}` };
    expect((await request.get("/api/v1/contacts", { headers: auth })).status()).toBe(200);
    // The scope it was not given is refused.
    expect((await request.post("/api/v1/contacts", { headers: auth, data: { name: "Nope" } })).status()).toBe(403);

    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);

    await page.reload();
    const row = page.getByTestId("api-token-list").first().locator("li", { hasText: "e2e sheet" }).first();
    await expect(row).toContainText("last used");
    await row.getByText("Renew e2e sheet").click();
    await row.getByLabel("Your password").fill(DEMO_PASSWORD);
    await row.getByRole("button", { name: "Renew for 24 hours" }).click();
    const renewed = (await row.getByTestId("api-token-secret").textContent())!.trim();
    expect(renewed).not.toBe(secret);
    expect((await request.get("/api/v1/contacts", { headers: auth })).status()).toBe(401);

    await row.getByRole("button", { name: "Revoke e2e sheet" }).click();
    await expect.poll(async () => (await request.get("/api/v1/contacts", { headers: { authorization: `Bearer ${renewed}` } })).status()).toBe(401);
    await context.close();
  });
});
