import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "@playwright/test";
import { startTestRemote, type TestRemote } from "../lib/integrations/connectors/test-remote";
import { TEST_VAN, testVan, type TestVan } from "../lib/integrations/connectors/test-van";
import { e2eVanPort } from "./support/ports";
import { expect, test } from "./fixtures/auth";
import { visit } from "./support/auth";

/**
 * The VAN integration as a campaign uses it: an admin connects with a key the loopback VAN accepts, maps "Reached
 * them" to an activist code, gives a contact its VAN ID; the volunteer completes a report on it; the outcome arrives
 * at VAN with the mapped code and the contact shows "synced"; disconnect deletes the key.
 */
const ORG = "/o/demo-campaign";
const SHOTS = path.join(process.cwd(), "test-results", "screenshots", "journeys");
let van: TestVan;
let remote: TestRemote;

test.describe.configure({ mode: "serial" });
test.beforeAll(async () => {
  van = testVan();
  remote = await startTestRemote((req) => van.answer(req), e2eVanPort);
});
test.afterAll(async () => remote?.close());

async function pageAs(browser: Browser, baseURL: string | undefined, storageState: string): Promise<Page> {
  return (await browser.newContext({ baseURL, storageState })).newPage();
}

async function noSeriousAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
}

test("admin connects VAN, a volunteer's completed report arrives there with the mapped codes, disconnect deletes the key", async ({ browser, baseURL, storageStateOf }) => {
  test.setTimeout(120_000);
  const admin = await pageAs(browser, baseURL, await storageStateOf("admin@demo.test"));
  const volunteer = await pageAs(browser, baseURL, await storageStateOf("volunteer@demo.test"));

  // Empty state, then a wrong key: refused in words, the key not put back in the form.
  await visit(admin, `${ORG}/integrations`);
  const card = admin.getByTestId("integration-van");
  await expect(admin.getByTestId("integration-van-state")).toHaveText("Not connected");
  await noSeriousAxeViolations(admin);
  await card.getByLabel("Application name").fill(TEST_VAN.applicationName);
  await card.getByLabel("API key").fill("this-is-not-the-key-1234");
  await card.getByRole("button", { name: "Check the key and connect" }).click();
  await expect(card.getByText(/NGP VAN refused the key/)).toBeVisible();
  await expect(card.getByLabel("API key")).toHaveValue("");

  // The right key: connected, codes fetched, mapping saved.
  await card.getByLabel("API key").fill(TEST_VAN.apiKey);
  await card.getByRole("button", { name: "Check the key and connect" }).click();
  await expect(admin.getByTestId("integration-van-state")).toHaveText("Connected");
  const mapping = admin.getByTestId("mapping-form-van");
  await mapping.getByLabel("Reached them").selectOption({ label: "Volunteer prospect" });
  await mapping.getByLabel("Contact type").selectOption({ label: "Walk" });
  await mapping.getByRole("button", { name: "Save mapping" }).click();
  // The page notice says so, and the form is drawn again from what was stored.
  await expect(admin.getByText("Mapping saved.", { exact: false }).first()).toBeVisible();
  await expect(admin.getByTestId("mapping-form-van").getByLabel("Reached them")).toHaveValue("code:4501");
  await noSeriousAxeViolations(admin);
  await admin.screenshot({ path: path.join(SHOTS, "integrations-01-connected.png"), fullPage: true });

  // A contact of this journey, assigned to the volunteer, with its VAN ID.
  const name = `Vin Vanid ${Date.now().toString(36)}`;
  await visit(admin, `${ORG}/contacts/new`);
  const form = admin.getByTestId("contact-edit-form");
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Assign to").selectOption({ label: "Vera Volunteer (volunteer)" });
  await form.getByRole("button", { name: "Add contact" }).click();
  await admin.waitForURL((url) => url.searchParams.get("created") === "1");
  const contactUrl = new URL(admin.url()).pathname;
  const external = admin.getByTestId("contact-external-id-form");
  await external.getByLabel(/External id/).fill(TEST_VAN.knownVanIds[0]!);
  await external.getByRole("button", { name: "Save external id" }).click();
  await expect(external.getByText("External id saved.")).toBeVisible();

  // The volunteer completes a report on it.
  await visit(volunteer, contactUrl);
  const report = volunteer.getByTestId("report-form");
  await report.getByLabel("Reached them").check();
  await report.getByTestId("report-complete").click();
  await expect(report.getByText("Report completed. Thank you!")).toBeVisible();

  // The background job sends it; the contact shows "synced", and VAN holds the mapped activist code.
  await expect(async () => {
    await visit(admin, contactUrl);
    await expect(admin.getByTestId("contact-sync-van")).toHaveText("synced", { timeout: 1000 });
  }).toPass({ timeout: 45_000 });
  expect(van.received.get(TEST_VAN.knownVanIds[0]!)?.at(-1)).toMatchObject({
    canvassContext: { contactTypeId: 2, inputTypeId: 11 },
    resultCodeId: null,
    responses: [{ type: "ActivistCode", activistCodeId: 4501, action: "Apply" }],
  });
  await admin.screenshot({ path: path.join(SHOTS, "integrations-02-contact-synced.png"), fullPage: true });

  // Disconnect: confirmed, the key gone, the history kept.
  await visit(admin, `${ORG}/integrations`);
  admin.once("dialog", (d) => void d.accept());
  await admin.getByTestId("integration-van-disconnect").click();
  await expect(admin.getByTestId("integration-van-state")).toHaveText("Not connected");
  await expect(admin.getByText("Connected by")).toHaveCount(0);
});
