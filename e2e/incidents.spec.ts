import fs from "node:fs";
import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./fixtures/auth";
import { open } from "./support";
import { waitForMails } from "./support/auth";

/**
 * Issue 16's incident flow: staff record an incident affecting demo-campaign, the owner sees the banner (and the mail),
 * acknowledges it, and the campaign's activity feed shows every step.
 */

const SHOTS = "test-results/screenshots/incidents";

async function pageAs(browser: Browser, storageState: string, baseURL: string | undefined): Promise<Page> {
  const context = await browser.newContext({ baseURL, storageState });
  return context.newPage();
}

test("staff record an incident; the owner sees the banner and the mail, acknowledges it, and the feed shows it", async ({ browser, baseURL, storageStateOf }) => {
  test.setTimeout(90_000);
  fs.mkdirSync(SHOTS, { recursive: true });
  const title = `Export links reachable without sign-in ${Date.now().toString(36)}`;
  const summary = "For forty minutes on Sunday an export link could be opened without signing in. We closed it and checked the logs.";

  // Staff fill the form by keyboard-reachable labels and submit.
  const staff = await pageAs(browser, await storageStateOf("staff@rampart.test"), baseURL);
  await open(staff, "/staff/incidents");
  await staff.getByLabel("Title").fill(title);
  await staff.getByLabel("What happened (sent to the owners as written)").fill(summary);
  await staff.getByLabel("Severity").selectOption("high");
  await staff.getByLabel("Affected campaigns (addresses, separated by spaces or commas)").fill("demo-campaign");
  await staff.getByRole("group", { name: "Breach switches used so far" }).getByLabel("Sessions revoked").check();
  await staff.getByRole("button", { name: "Record and notify owners" }).press("Enter");
  await expect(staff.getByRole("status").filter({ hasText: "Incident recorded" })).toContainText("mailed");
  const card = staff.getByRole("article", { name: title });
  await expect(card).toContainText(/Demo Campaign \(demo-campaign\): notified \d{4}-/);

  // A timeline entry, then contained.
  await card.getByLabel("New timeline entry").fill("Link disabled, access logs pulled: no downloads by anyone outside the campaign.");
  await card.getByRole("button", { name: "Add to timeline" }).click();
  await expect(card.getByText("Link disabled, access logs pulled")).toBeVisible();
  await card.getByLabel("Status").selectOption("contained");
  await card.getByRole("button", { name: "Change status" }).click();
  await expect(card.getByText("contained", { exact: true })).toBeVisible();
  await staff.screenshot({ path: `${SHOTS}/staff-incidents.png`, fullPage: true });

  // The owner got the mail with the staff's text.
  const [mail] = await waitForMails("owner@demo.test", `Security incident affecting Demo Campaign: ${title}`);
  expect(mail!.text).toContain(summary);

  // The owner sees the banner on the campaign's pages, with the text and the timeline.
  const owner = await pageAs(browser, await storageStateOf("owner@demo.test"), baseURL);
  await open(owner, "/o/demo-campaign");
  const banner = owner.getByRole("region", { name: /security incident/ });
  await expect(banner).toContainText(title);
  await expect(banner).toContainText(summary);
  await owner.screenshot({ path: `${SHOTS}/owner-banner.png`, fullPage: true });

  // An admin of the same campaign sees no banner and no acknowledge button: acknowledging is for owners.
  const admin = await pageAs(browser, await storageStateOf("admin@demo.test"), baseURL);
  await open(admin, "/o/demo-campaign");
  await expect(admin.getByRole("button", { name: `Acknowledge: ${title}` })).toHaveCount(0);

  await banner.getByRole("button", { name: `Acknowledge: ${title}` }).click();
  await expect(owner.getByTestId("page-notice")).toContainText("Acknowledged");
  await open(owner, "/o/demo-campaign");
  await expect(owner.getByRole("button", { name: `Acknowledge: ${title}` })).toHaveCount(0);

  // The activity feed shows the incident's steps.
  await open(owner, "/o/demo-campaign/activity?category=incidents");
  const feed = owner.getByTestId("activity-feed");
  await expect(feed).toContainText("Rampart support recorded a high-severity security incident affecting this campaign");
  await expect(feed).toContainText("Rampart support marked a security incident as contained");
  await expect(feed).toContainText("You acknowledged a security incident");

  // The public trust page lists policy changes and the restore-test slot.
  await open(owner, "/security");
  await expect(owner.getByRole("table", { name: /Published versions/ })).toContainText("Privacy policy");
  await expect(owner.getByTestId("restore-test")).toBeVisible();
});
