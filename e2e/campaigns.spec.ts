import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./fixtures/auth";
import { open } from "./support";
import { confirmEmail, linkIn, newAccountDetails, signIn, signUp, waitForMails, VERIFY_SUBJECT, type Account } from "./support/auth";

/**
 * Campaign journeys with fresh accounts and campaigns, so the demo accounts the other specs rely on keep their
 * roles: invite → accept → role change → removal in demo-campaign, and a suspended campaign's experience.
 */

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** A new account with a recognisable name, signed up and confirmed through the outbox (not signed in). */
async function verifiedAccount(page: Page, tag: string, name: string): Promise<Account> {
  const account = newAccountDetails(tag, name);
  await signUp(page, account);
  const [mail] = await waitForMails(account.email, VERIFY_SUBJECT);
  await confirmEmail(page, linkIn(mail!, "/verify-email"));
  return account;
}

async function pageAs(browser: Browser, storageState: string | undefined, baseURL: string | undefined): Promise<Page> {
  const context = await browser.newContext({ baseURL, storageState });
  return context.newPage();
}

/** The staff console's "Suspend or restore a campaign" form (fields by name: the console's forms share ids). */
async function setSuspended(staff: Page, slug: string, suspended: boolean) {
  await open(staff, "/staff");
  const card = staff.locator("div", { has: staff.getByRole("heading", { name: "Suspend or restore a campaign" }) }).last();
  await card.locator('input[name="slug"]').fill(slug);
  await card.locator('input[name="suspended"]').fill(String(suspended));
  await card.getByRole("button", { name: "Apply" }).click();
  await expect(card.getByRole("status")).toContainText(suspended ? "Campaign suspended" : "Suspension lifted");
}

test("invite a new person, who accepts; change their role; remove them, after which the campaign is not found", async ({ browser, baseURL, storageStateOf }) => {
  test.setTimeout(90_000);
  const id = unique();
  const name = `Ivy Invitee ${id}`;
  const invitee = await pageAs(browser, undefined, baseURL);
  const account = await verifiedAccount(invitee, "invitee", name);
  const email = account.email;

  // The owner invites them as a volunteer; the link arrives by mail.
  const owner = await pageAs(browser, await storageStateOf("owner@demo.test"), baseURL);
  await open(owner, "/o/demo-campaign/volunteers");
  await owner.getByLabel("Email address").fill(email);
  await owner.getByLabel("Role", { exact: true }).selectOption("volunteer");
  await owner.getByRole("button", { name: "Send invitation" }).click();
  await expect(owner.getByRole("status").filter({ hasText: "Invitation sent" })).toBeVisible();
  const [mail] = await waitForMails(email, "You are invited to Demo Campaign on Rampart");
  const link = /\/invite\/[\w-]+/.exec(mail!.text)?.[0];
  expect(link, "invitation link in the mail").toBeDefined();

  // They sign in, open the link, accept, and land in the campaign.
  await signIn(invitee, account);
  await open(invitee, link!);
  await expect(invitee.getByText("You are invited to join")).toContainText("Demo Campaign");
  await invitee.getByRole("button", { name: "Accept and join" }).click();
  await invitee.waitForURL((url) => url.pathname === "/o/demo-campaign");
  await expect(invitee.getByText("you are a volunteer")).toBeVisible();
  expect((await invitee.request.get("/o/demo-campaign/volunteers", { maxRedirects: 0 })).status()).toBe(404);
  // The link worked once.
  await open(invitee, link!);
  await expect(invitee.getByText("This invitation has expired, was already used, or was withdrawn.")).toBeVisible();

  // The owner makes them an admin: the members page opens to them.
  await open(owner, "/o/demo-campaign/volunteers");
  const row = owner.getByTestId("member-row").filter({ hasText: name });
  await expect(row).toContainText("volunteer");
  await row.getByLabel(`Role of ${name}`).selectOption("admin");
  await row.getByRole("button", { name: "Change role" }).click();
  await expect(row.getByRole("status")).toHaveText("Role changed.");
  expect((await invitee.request.get("/o/demo-campaign/volunteers", { maxRedirects: 0 })).status()).toBe(200);

  // The owner removes them: the campaign is "not found" at their next request, though their cookie still lists it.
  await open(owner, "/o/demo-campaign/volunteers");
  await owner.getByTestId("member-row").filter({ hasText: name }).getByRole("button", { name: "Remove" }).click();
  await expect(owner.getByRole("status").filter({ hasText: "Removed from the campaign." })).toBeVisible();
  const gone = await invitee.goto("/o/demo-campaign");
  expect(gone?.status()).toBe(404);
  await expect(invitee.getByText("Demo Campaign")).toHaveCount(0);
  expect((await invitee.request.get("/api/o/demo-campaign/activity")).status()).toBe(404);
  await open(owner, "/o/demo-campaign/volunteers");
  await expect(owner.getByTestId("member-row").filter({ hasText: name })).toHaveCount(0);
});

test("a suspended campaign: members see a clear notice and the API refuses with 403 problem+json; restoring brings access back", async ({ browser, baseURL, storageStateOf }) => {
  test.setTimeout(90_000);
  const id = unique();
  const slug = `paused-${id}`;
  const member = await pageAs(browser, undefined, baseURL);
  await signIn(member, await verifiedAccount(member, "founder", `Fay Founder ${id}`));

  // A fresh campaign from /orgs.
  await open(member, "/orgs");
  await member.getByLabel("Campaign name").fill(`Paused Campaign ${id}`);
  await member.getByLabel("Web address (optional)").fill(slug);
  await member.getByRole("button", { name: "Create campaign" }).click();
  await member.waitForURL((url) => url.pathname === `/o/${slug}`);
  expect((await member.request.get(`/api/o/${slug}/activity`)).status()).toBe(200);

  const staff = await pageAs(browser, await storageStateOf("staff@rampart.test"), baseURL);
  await setSuspended(staff, slug, true);

  // Every page of the campaign leads to the notice; the API answers 403 problem+json.
  for (const path of [`/o/${slug}`, `/o/${slug}/activity`]) {
    await member.goto(path);
    await member.waitForURL((url) => url.pathname === "/suspended");
    expect(new URL(member.url()).searchParams.get("org")).toBe(slug);
  }
  await expect(member.getByRole("heading", { level: 1 })).toHaveText("This campaign is suspended");
  await expect(member.getByText("Nothing has been deleted.", { exact: false })).toBeVisible();
  const api = await member.request.get(`/api/o/${slug}/activity`);
  expect(api.status()).toBe(403);
  expect(api.headers()["content-type"]).toContain("application/problem+json");
  expect(await api.json()).toMatchObject({ status: 403, title: "This campaign is suspended" });

  await setSuspended(staff, slug, false);
  const back = await member.goto(`/o/${slug}`);
  expect(back?.status()).toBe(200);
  expect(new URL(member.url()).pathname).toBe(`/o/${slug}`);
  expect((await member.request.get(`/api/o/${slug}/activity`)).status()).toBe(200);
  // Both switches show in the campaign's own feed.
  await open(member, `/o/${slug}/activity`);
  await expect(member.getByText(/suspend/i).first()).toBeVisible();
});
