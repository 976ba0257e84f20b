import fs from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "@playwright/test";
import { parse } from "csv-parse/sync";
import { DEMO_PASSWORD, expect, test } from "./fixtures/auth";
import {
  confirmEmail,
  createVerifiedAccount,
  enterPassword,
  linkIn,
  PASSPHRASE,
  signIn,
  signUp,
  visit,
  waitForMails,
  VERIFY_SUBJECT,
  type Account,
} from "./support/auth";

/**
 * The campaign workspace as its three kinds of people use it: an admin running contacts and actions, a volunteer
 * limited to their own contacts, and a person with an account asking the campaign to delete what it holds on them;
 * plus the settings page's own deletions and export. Each journey makes its own records (unique names and emails),
 * because both workers share one server and its demo data.
 */

const ORG = "/o/demo-campaign";
const SHOTS = path.join(process.cwd(), "test-results", "screenshots", "journeys");
const VERA = "Vera Volunteer";
const VICTOR = "Victor Volunteer";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function shot(page: Page, journey: string, step: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${journey}-${step}.png`), fullPage: true });
}

async function pageAs(browser: Browser, baseURL: string | undefined, storageState?: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, storageState });
  return context.newPage();
}

/** The contact id in a /contacts/<id> address or link. */
function contactIdOf(href: string | null): string {
  const id = UUID.exec(href ?? "")?.[0];
  expect(id, `a contact id in ${href}`).toBeDefined();
  return id!;
}

type NewContact = { name: string; email?: string; phone?: string; tags?: string; notes?: string; assignee?: string };

/** Adds a contact through /contacts/new as a manager; returns its id. */
async function addContact(page: Page, c: NewContact): Promise<string> {
  await visit(page, `${ORG}/contacts/new`);
  const form = page.getByTestId("contact-edit-form");
  await form.getByLabel("Name").fill(c.name);
  if (c.email) await form.getByLabel("Email", { exact: true }).fill(c.email);
  if (c.phone) await form.getByLabel("Phone", { exact: true }).fill(c.phone);
  if (c.notes) await form.getByLabel("Notes").fill(c.notes);
  if (c.tags) await form.getByLabel("Tags").fill(c.tags);
  if (c.assignee) await form.getByLabel("Assign to").selectOption({ label: `${c.assignee} (volunteer)` });
  await form.getByRole("button", { name: "Add contact" }).click();
  await page.waitForURL((url) => UUID.test(url.pathname) && url.searchParams.get("created") === "1");
  await expect(page.getByTestId("contact-detail").getByRole("status")).toHaveText("Contact added.");
  return contactIdOf(page.url());
}

/** The "Synced contacts: n" of one member on the volunteers page. */
async function syncedCountOf(admin: Page, memberName: string): Promise<number> {
  await visit(admin, `${ORG}/volunteers`);
  const text = await admin.getByTestId("member-row").filter({ hasText: memberName }).getByTestId("synced-count").innerText();
  const match = /Synced contacts: (\d+)/.exec(text);
  expect(match, `synced count in "${text}"`).not.toBeNull();
  return Number(match![1]);
}

/** Reads "You have synced n contacts" on the sync page. */
async function mySyncedCount(page: Page): Promise<number> {
  await visit(page, `${ORG}/contacts/sync`);
  const text = await page.getByTestId("sync-count").innerText();
  const match = /You have synced (\d+) contacts?/.exec(text);
  expect(match, `sync count in "${text}"`).not.toBeNull();
  return Number(match![1]);
}

/** Files and completes a report ("Reached them") from a contact's page. */
async function completeReport(page: Page, contactId: string): Promise<void> {
  await visit(page, `${ORG}/contacts/${contactId}`);
  const form = page.getByTestId("report-form");
  await form.getByLabel("Reached them").check();
  await form.getByTestId("report-complete").click();
  await expect(form.getByText("Report completed. Thank you!")).toBeVisible();
}

async function expectNotFound(page: Page, url: string): Promise<void> {
  const response = await page.goto(url);
  expect(response?.status(), url).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
}

async function expectApiNotFound(page: Page, contactId: string): Promise<void> {
  const api = await page.request.get(`/api/o/demo-campaign/contacts/${contactId}`);
  expect(api.status()).toBe(404);
  expect(api.headers()["content-type"]).toContain("application/problem+json");
  expect(await api.json()).toMatchObject({ status: 404 });
}

/** Signs up with a given email, confirms it through the outbox and signs in. */
async function signedUpAs(page: Page, email: string, name: string): Promise<Account> {
  const account = { name, email, password: PASSPHRASE };
  await signUp(page, account);
  const [mail] = await waitForMails(email, VERIFY_SUBJECT);
  await confirmEmail(page, linkIn(mail!, "/verify-email"));
  await signIn(page, account);
  return account;
}

test.describe("workspace journeys", () => {
  test("admin: dashboard, contacts (search, add, edit with a refused input, assign, history, CSV export) and actions through the trash", async ({
    browser,
    baseURL,
    storageStateOf,
  }) => {
    test.setTimeout(120_000); // the longest journey: 44 s in a passing full run on this 2-core machine, over 60 s in a busier one
    const id = unique();
    const admin = await pageAs(browser, baseURL, await storageStateOf("admin@demo.test"));

    await visit(admin, ORG);
    await expect(admin.getByRole("heading", { name: "Recent activity" })).toBeVisible();
    await shot(admin, "admin", "01-dashboard");

    await visit(admin, `${ORG}/contacts`);
    await expect(admin.getByRole("heading", { level: 1, name: "Contacts" })).toBeVisible();
    await expect(admin.getByTestId("contact-count")).toContainText(/Showing 50 of [\d,]+\+?/);
    await shot(admin, "admin", "02-contacts");
    // Keyset pages: Next and Last carry a cursor (or last=1), Previous goes back up, First to the plain list.
    const pages = admin.getByRole("navigation", { name: "Pages" });
    const firstLink = () => admin.getByTestId("contact-row").first().getByRole("link");
    const firstRow = (await firstLink().getAttribute("href"))!;
    await pages.getByRole("link", { name: "Next" }).click();
    await admin.waitForURL((url) => url.searchParams.has("after"));
    await expect(firstLink()).not.toHaveAttribute("href", firstRow);
    await pages.getByRole("link", { name: "First" }).click();
    await admin.waitForURL((url) => url.search === "");
    await pages.getByRole("link", { name: "Last" }).click();
    await admin.waitForURL((url) => url.searchParams.get("last") === "1");
    await expect(pages.getByRole("link", { name: "Next" })).toHaveCount(0);
    await pages.getByRole("link", { name: "Previous" }).click();
    await admin.waitForURL((url) => url.searchParams.has("before"));
    await expect(admin.getByTestId("contact-row").first()).toBeVisible();
    // With under two pages of demo contacts, Previous from the last page is already the newest page (no First link).
    if ((await pages.getByRole("link", { name: "First" }).count()) > 0) {
      await pages.getByRole("link", { name: "First" }).click();
      await admin.waitForURL((url) => url.search === "");
    }
    // Back on the newest page: no way further up. (Not compared with the first row seen: other journeys running
    // beside this one add contacts to the demo campaign meanwhile, and the newest page moves with them.)
    await expect(pages.getByRole("link", { name: "Previous" })).toHaveCount(0);
    await expect(pages.getByRole("link", { name: "Next" })).toHaveCount(1);
    await expect(firstLink()).toBeVisible();

    // An exact email finds its contact whatever the case it is typed in.
    await admin.getByTestId("contact-search").getByRole("searchbox", { name: "Search" }).fill("AMARA.Okonkwo@Example.ORG");
    await admin.getByTestId("contact-search").getByRole("button", { name: "Search" }).click();
    await admin.waitForURL((url) => url.searchParams.get("q") === "AMARA.Okonkwo@Example.ORG");
    await expect(admin.getByTestId("contact-row")).toHaveCount(1);
    await expect(admin.getByTestId("contact-row")).toContainText("Amara Okonkwo");
    await shot(admin, "admin", "03-search");

    // A new contact with a tag.
    const email = `admin-journey-${id}@example.org`;
    const name = `Ada Journey ${id}`;
    const contactId = await addContact(admin, { name, email, phone: "+44 20 7946 0111", tags: `e2e-${id}, ward-3` });
    const details = admin.getByTestId("contact-detail");
    await expect(details.getByRole("heading", { level: 1 })).toHaveText(name);
    await expect(details.getByText(`e2e-${id}, ward-3`)).toBeVisible();
    await shot(admin, "admin", "04-contact-added");

    // A bad email is refused beside its field, and what was typed stays in the form.
    const edit = details.getByTestId("contact-edit-form").first();
    await edit.getByLabel("Phone", { exact: true }).fill("+44 20 7946 0999");
    await edit.getByLabel("Email", { exact: true }).fill("not-an-email");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect(edit.getByLabel("Email", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expect(edit.getByLabel("Email", { exact: true })).toHaveValue("not-an-email");
    await expect(edit.getByLabel("Phone", { exact: true })).toHaveValue("+44 20 7946 0999");
    await expect(edit.getByLabel("Name")).toHaveValue(name);
    await shot(admin, "admin", "05-edit-refused");
    await edit.getByLabel("Email", { exact: true }).fill(email);
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect(edit.getByRole("status")).toHaveText("Saved.");
    await expect(details.locator('a[href="tel:+442079460999"]')).toBeVisible();

    // Tags: the chips change as the form is sent (optimistic), and the server confirms; a bad tag is refused and the stored ones come back.
    const tags = details.getByTestId("contact-tags-form");
    await tags.getByLabel("Tags (separated by commas)").fill(`e2e-${id}, ward-9`);
    await tags.getByRole("button", { name: "Save tags" }).click();
    await expect(tags.getByTestId("contact-tags").getByText("ward-9", { exact: true })).toBeVisible();
    await expect(tags.getByRole("status")).toHaveText("Tags saved.");
    await tags.getByLabel("Tags (separated by commas)").fill(`e2e-${id}, ward-9, <script>`);
    await tags.getByRole("button", { name: "Save tags" }).click();
    await expect(tags.getByRole("alert")).toBeVisible();
    await expect(tags.getByTestId("contact-tags").getByText("<script>", { exact: true })).toHaveCount(0);
    await expect(tags.getByTestId("contact-tags").getByText("ward-9", { exact: true })).toBeVisible();

    // Assigned to the volunteer; the history lists every change.
    const assign = details.getByTestId("contact-assign-form");
    await assign.getByLabel("Assigned to").selectOption({ label: `${VERA} (volunteer)` });
    await assign.getByRole("button", { name: "Save assignment" }).click();
    await expect(assign.getByRole("status")).toHaveText("Assigned.");
    await visit(admin, `${ORG}/contacts/${contactId}`);
    const history = admin.getByTestId("contact-history");
    await expect(history).toContainText("added a contact");
    await expect(history).toContainText("updated a contact");
    await expect(history).toContainText("assigned a contact");
    await expect(admin.getByTestId("contact-detail")).toContainText(VERA);
    await shot(admin, "admin", "06-history");

    // CSV export: the header row, the new contact, and a formula-looking name neutralised with an apostrophe.
    const formula = `=HYPERLINK("https://example.test/x","click") ${id}`;
    await addContact(admin, { name: formula });
    await visit(admin, `${ORG}/contacts`);
    const [download] = await Promise.all([admin.waitForEvent("download"), admin.getByTestId("export-link").click()]);
    expect(download.suggestedFilename()).toMatch(/^contacts-demo-campaign-\d{4}-\d{2}-\d{2}\.csv$/);
    const records = parse(await fs.readFile(await download.path(), "utf8"), { bom: true }) as string[][];
    expect(records[0]!.slice(0, 3)).toEqual(["name", "email", "phone"]);
    const mine = records.find((r) => r[1] === email);
    expect(mine, "the new contact in the export").toBeDefined();
    expect(mine![0]).toBe(name);
    expect(mine![records[0]!.indexOf("tags")]).toContain(`e2e-${id}`);
    expect(records.some((r) => r[0] === `'${formula}`), "the formula name starts with an apostrophe").toBe(true);
    expect(records.some((r) => r[0] === formula)).toBe(false);

    // An action for the volunteer goes to the trash, shows who deleted it, and comes back.
    const title = `E2E phone round ${id}`;
    await visit(admin, `${ORG}/actions/new`);
    await admin.getByLabel("Kind").selectOption("call");
    await admin.getByLabel("Title").fill(title);
    await admin.getByLabel("Instructions for volunteers").fill("Call each contact and ask about the housing survey.");
    await admin.getByRole("checkbox", { name: new RegExp(VERA) }).check();
    await shot(admin, "admin", "07-new-action");
    await admin.getByRole("button", { name: "Create action" }).click();
    await admin.waitForURL((url) => new RegExp(`${ORG}/actions/${UUID.source}$`).test(url.pathname));
    await expect(admin.getByTestId("action-title")).toHaveText(title);
    await expect(admin.getByTestId("assignee-list")).toContainText(VERA);
    await shot(admin, "admin", "08-action");

    await admin.getByTestId("action-delete").click();
    await admin.waitForURL((url) => url.pathname === `${ORG}/actions` && url.searchParams.get("deleted") === "1");
    await expect(admin.getByRole("status")).toContainText("Moved to the trash.");
    await expect(admin.getByTestId("action-row").filter({ hasText: title })).toHaveCount(0);
    await admin.getByTestId("trash-link").click();
    await admin.waitForURL((url) => url.pathname === `${ORG}/actions/trash`);
    const trashed = admin.getByTestId("trash-row").filter({ hasText: title });
    await expect(trashed).toContainText("Deleted by Adam Admin");
    await shot(admin, "admin", "09-trash");
    await trashed.getByTestId("action-restore").click();
    await expect(trashed).toHaveCount(0);
    // The row goes with its button; the result stays in the page notice.
    await expect(admin.getByTestId("page-notice")).toHaveText(/Restored\./);
    await visit(admin, `${ORG}/actions`);
    await expect(admin.getByTestId("action-row").filter({ hasText: title })).toHaveCount(1);
    await shot(admin, "admin", "10-actions-restored");
  });

  test("volunteer: only their contacts, a report, refusals for anything else (page, API, forged action), and a synced contact admins see only after a report", async ({
    browser,
    baseURL,
    storageStateOf,
  }) => {
    test.setTimeout(90_000);
    const id = unique();
    const admin = await pageAs(browser, baseURL, await storageStateOf("admin@demo.test"));
    const volunteer = await pageAs(browser, baseURL, await storageStateOf("volunteer@demo.test"));

    // The admin assigns the volunteer a contact of this journey's own, with a note the volunteer must not see.
    const note = `Admin-only note ${id}`;
    const assignedName = `Vic Assigned ${id}`;
    const assignedId = await addContact(admin, { name: assignedName, email: `vol-assigned-${id}@example.org`, tags: "e2e", notes: note, assignee: VERA });
    // A contact of this journey's own that nobody is assigned to (the other journeys assign theirs as they run), and its reports.
    const unassignedId = await addContact(admin, { name: `Una Unassigned ${id}`, email: `vol-unassigned-${id}@example.org` });
    const reportsBefore = await admin.getByTestId("report-row").count();
    const syncedBefore = await syncedCountOf(admin, VERA);

    await visit(volunteer, ORG);
    await expect(volunteer.getByRole("heading", { name: "Your recent activity" })).toBeVisible();
    await shot(volunteer, "volunteer", "01-dashboard");

    // Every row is assigned to them (the admin's view says so) or synced by them (their own view says so).
    await visit(volunteer, `${ORG}/contacts`);
    await expect(volunteer.getByRole("heading", { level: 1, name: "Your contacts" })).toBeVisible();
    await expect(volunteer.getByTestId("contact-row").filter({ hasText: assignedName })).toHaveCount(1);
    await shot(volunteer, "volunteer", "02-contacts");
    const rows = await volunteer.getByTestId("contact-row").evaluateAll((trs) =>
      trs.map((tr) => ({ href: tr.querySelector("a")?.getAttribute("href") ?? null, own: (tr.textContent ?? "").includes("from your address book") })),
    );
    expect(rows.length).toBeGreaterThanOrEqual(11);
    for (const row of rows) {
      const contactId = contactIdOf(row.href);
      if (row.own) {
        const own = await volunteer.request.get(`/api/o/demo-campaign/contacts/${contactId}`);
        expect(own.status()).toBe(200);
        expect((await own.json()).contact).toMatchObject({ view: "reach_out", syncedByMe: true });
      } else {
        const seen = await admin.request.get(`/api/o/demo-campaign/contacts/${contactId}`);
        expect(seen.status()).toBe(200);
        expect((await seen.json()).contact.assignee?.name, `contact ${contactId} is assigned to the volunteer`).toBe(VERA);
      }
    }

    // Their assigned contact: reach-out fields only, and a report they complete.
    await visit(volunteer, `${ORG}/contacts/${assignedId}`);
    const detail = volunteer.getByTestId("contact-detail");
    await expect(detail.getByRole("heading", { level: 1 })).toHaveText(assignedName);
    await expect(detail).toContainText(`vol-assigned-${id}@example.org`);
    await expect(volunteer.getByText(note)).toHaveCount(0);
    await expect(volunteer.getByLabel("Notes")).toHaveCount(0);
    for (const hidden of ["contact-edit-form", "contact-tags-form", "contact-assign-form", "contact-history", "contact-delete-form"])
      await expect(volunteer.getByTestId(hidden), hidden).toHaveCount(0);
    await expect(detail.getByText("Tags", { exact: true })).toHaveCount(0);
    await expect(detail.getByText("Lists", { exact: true })).toHaveCount(0);
    const api = await volunteer.request.get(`/api/o/demo-campaign/contacts/${assignedId}`);
    const shape = (await api.json()).contact;
    expect(shape).toMatchObject({ view: "reach_out", name: assignedName });
    expect(shape.notes ?? null).toBeNull();
    expect(shape).not.toHaveProperty("tags");
    expect(JSON.stringify(shape)).not.toContain(note);
    await shot(volunteer, "volunteer", "03-assigned-contact");
    await completeReport(volunteer, assignedId);
    await visit(volunteer, `${ORG}/contacts/${assignedId}`);
    await expect(volunteer.getByTestId("report-row").filter({ hasText: "Reached them" })).toHaveAttribute("data-status", "completed");
    await shot(volunteer, "volunteer", "04-report-completed");

    // A contact that is not theirs: 404 page, 404 problem from the API.
    await expectNotFound(volunteer, `${ORG}/contacts/${unassignedId}`);
    await shot(volunteer, "volunteer", "05-not-found");
    await expectApiNotFound(volunteer, unassignedId);

    // A forged report: their own form, the hidden contact id swapped for the unassigned one.
    await visit(volunteer, `${ORG}/contacts/${assignedId}`);
    const form = volunteer.getByTestId("report-form");
    await form.locator('input[name="contactId"]').evaluate((input: HTMLInputElement, forged) => (input.value = forged), unassignedId);
    await form.getByLabel("No answer").check();
    await form.getByTestId("report-complete").click();
    await expect(form.getByRole("alert")).toHaveText("That contact or action is not available to you.");
    await visit(admin, `${ORG}/contacts/${unassignedId}`);
    await expect(admin.getByTestId("report-row")).toHaveCount(reportsBefore);

    // A contact from their address book: counted for the admin, hidden from the admin until reported on.
    const countBefore = await mySyncedCount(volunteer);
    const syncedEmail = `vol-synced-${id}@example.org`;
    const syncedName = `Sam Synced ${id}`;
    const sync = volunteer.getByTestId("sync-form");
    await sync.getByLabel("Name").fill(syncedName);
    await sync.getByLabel("Email").fill(syncedEmail);
    await sync.getByRole("button", { name: "Add contact" }).click();
    await expect(sync.getByRole("status")).toContainText("Added to your synced contacts.");
    expect(await mySyncedCount(volunteer)).toBe(countBefore + 1);
    await shot(volunteer, "volunteer", "06-synced");
    expect(await syncedCountOf(admin, VERA)).toBe(syncedBefore + 1);
    await shot(admin, "volunteer", "07-admin-volunteers");

    await visit(volunteer, `${ORG}/contacts?q=${encodeURIComponent(syncedEmail)}`);
    const syncedRow = volunteer.getByTestId("contact-row");
    await expect(syncedRow).toHaveCount(1);
    await expect(syncedRow).toContainText("from your address book");
    const syncedId = contactIdOf(await syncedRow.getByRole("link").getAttribute("href"));
    await expectNotFound(admin, `${ORG}/contacts/${syncedId}`);
    await expectApiNotFound(admin, syncedId);

    await completeReport(volunteer, syncedId);
    await visit(admin, `${ORG}/contacts/${syncedId}`);
    await expect(admin.getByTestId("contact-detail").getByRole("heading", { level: 1 })).toHaveText(syncedName);
    await expect(admin.getByTestId("contact-detail")).toContainText("A member's address book");
    await expect(admin.getByTestId("report-row").filter({ hasText: VERA })).toHaveAttribute("data-status", "completed");
    await shot(admin, "volunteer", "08-admin-sees-reported");
  });

  test("admin: the actions list pages by Older / Newer links from the keyboard, and a malformed cursor is the first page", async ({ browser, baseURL, storageStateOf, request }) => {
    test.setTimeout(120_000);
    // More than a page (50) of actions of this journey's own, made through the API.
    const issued = await request.post("/api/v1/tokens", {
      data: { email: "admin@demo.test", password: DEMO_PASSWORD, campaign: "demo-campaign", name: `paging ${unique()}`, scopes: ["actions:read", "actions:write"] },
    });
    expect(issued.status()).toBe(201);
    const auth = { authorization: `Bearer ${(await issued.json()).token}` };
    const tag = unique();
    for (let batch = 0; batch < 52; batch += 13) {
      const made = await Promise.all(Array.from({ length: 13 }, (_, i) => request.post("/api/v1/actions", { headers: auth, data: { kind: "call", title: `Paging ${tag} ${batch + i}` } })));
      expect(made.map((res) => res.status())).toEqual(Array(13).fill(201));
    }

    const admin = await pageAs(browser, baseURL, await storageStateOf("admin@demo.test"));
    await visit(admin, `${ORG}/actions`);
    const pages = admin.getByRole("navigation", { name: "Pages of actions" });
    await expect(admin.getByTestId("action-row")).toHaveCount(50);
    await expect(pages.getByRole("link", { name: "Newer" })).toHaveCount(0);
    // From the last action's link, Tab reaches "Older" (no "Newest" / "Newer" on the first page); Enter follows it.
    const older = pages.getByRole("link", { name: "Older", exact: true });
    await admin.getByTestId("action-row").last().getByRole("link").focus();
    await admin.keyboard.press("Tab");
    await expect(older).toBeFocused();
    await shot(admin, "paging", "actions-older-focused");
    const firstPage = await admin.getByTestId("action-row").allTextContents();
    await admin.keyboard.press("Enter");
    await admin.waitForURL((url) => url.searchParams.has("after"));
    await expect(pages.getByRole("link", { name: "Newer" })).toBeVisible();
    const secondPage = await admin.getByTestId("action-row").allTextContents();
    expect(secondPage.filter((row) => firstPage.includes(row))).toEqual([]);
    await pages.getByRole("link", { name: "Newer" }).click();
    await admin.waitForURL((url) => url.searchParams.has("before") || url.search === "");
    // Back to the newest page (the other journeys may add actions meanwhile: compare with the page left, not the first).
    await expect(admin.getByTestId("action-row")).toHaveCount(50);
    expect((await admin.getByTestId("action-row").allTextContents()).filter((row) => secondPage.includes(row))).toEqual([]);

    // A cursor that is not one, on every paged list, is that list's first page: never an error.
    for (const path of [`${ORG}/actions`, `${ORG}/actions/trash`, `${ORG}/imports`, `${ORG}/reports`, `${ORG}/deletion-requests`]) {
      const res = await admin.goto(`${path}?after=not-a-cursor&before=%25%25&pending_after=x&drafts_before=y`);
      expect(res?.status(), path).toBe(200);
      await expect(admin.getByRole("heading", { level: 1 })).toBeVisible();
    }
    await admin.goto(`${ORG}/actions?after=not-a-cursor`);
    await expect(admin.getByTestId("action-row")).toHaveCount(50);
    await expect(pages.getByRole("link", { name: "Newer" })).toHaveCount(0);
    await admin.context().close();
  });

  test.describe("requester: a deletion request addressed to the campaign", () => {
    // Serial: each test expects the only pending request in the campaign's queue to be its own.
    test.describe.configure({ mode: "serial" });

    async function request(browser: Browser, baseURL: string | undefined, storageStateOf: (email: string) => Promise<string>, tag: string) {
      const id = unique();
      const email = `requester-${id}@example.org`;
      const admin = await pageAs(browser, baseURL, await storageStateOf("admin@demo.test"));
      await addContact(admin, { name: `Rhea ${tag} ${id}`, email });

      const requester = await pageAs(browser, baseURL);
      await signedUpAs(requester, email, `Rhea ${tag}`);
      await visit(requester, "/settings/privacy");
      const ask = requester.getByTestId("request-deletion");
      await ask.getByRole("button", { name: "Request deletion of my data" }).click();
      await expect(ask.getByRole("status")).toContainText("Sent to 1 campaign: Demo Campaign.");
      await visit(requester, "/settings/privacy");
      const mine = requester.getByTestId("deletion-request");
      await expect(mine).toHaveCount(1);
      await expect(mine).toContainText("Demo Campaign");
      await expect(mine.getByTestId("deletion-request-status")).toHaveText("Pending");
      await expect(mine).toContainText(/due \d{4}-\d{2}-\d{2}/);
      await expect(requester.getByTestId("privacy-receipt").first()).toContainText("deletion of your data requested from 1 campaign");

      await visit(admin, `${ORG}/deletion-requests`);
      const pending = admin.locator('[data-testid="deletion-request-row"][data-status="pending"]');
      await expect(pending).toHaveCount(1);
      await expect(pending).toContainText("Matching contacts you can see: 1");
      await expect(pending).toContainText(/Pending · \d+ days? left/);
      return { admin, requester, email, pending };
    }

    test("fulfilled: the matching contact is deleted and the requester sees it completed", async ({ browser, baseURL, storageStateOf }) => {
      test.setTimeout(60_000);
      const { admin, requester, email, pending } = await request(browser, baseURL, storageStateOf, "Fulfil");
      await shot(requester, "requester", "01-pending");
      await shot(admin, "requester", "02-admin-queue");

      // The decided row replaces the pending one in place (the page is revalidated with the answer).
      await pending.getByTestId("deletion-request-fulfil").click();
      await expect(pending).toHaveCount(0);
      await expect(admin.getByTestId("page-notice")).toContainText("Done: 1 contact deleted.");
      await expect(admin.locator('[data-testid="deletion-request-row"][data-status="completed"]').first()).toContainText(": 1 contact deleted");
      await shot(admin, "requester", "03-admin-fulfilled");

      await visit(requester, "/settings/privacy");
      await expect(requester.getByTestId("deletion-request-status")).toHaveText("Completed: 1 contact deleted");
      await shot(requester, "requester", "04-completed");

      await visit(admin, `${ORG}/contacts?q=${encodeURIComponent(email)}`);
      await expect(admin.getByTestId("contact-row")).toHaveCount(0);
      await expect(admin.getByTestId("contacts-empty")).toBeVisible();
    });

    test("declined for a legal obligation: the requester reads the reason in words", async ({ browser, baseURL, storageStateOf }) => {
      test.setTimeout(60_000);
      const { admin, requester, email, pending } = await request(browser, baseURL, storageStateOf, "Decline");
      await pending.getByLabel("Reason").selectOption({ label: "We must keep it by law" });
      await pending.getByTestId("deletion-request-decline").click();
      await expect(pending).toHaveCount(0);
      await expect(admin.locator('[data-testid="deletion-request-row"][data-status="declined"]').first()).toContainText("We must keep it by law");
      await shot(admin, "requester", "05-admin-declined");

      await visit(requester, "/settings/privacy");
      await expect(requester.getByTestId("deletion-request-status")).toHaveText("Declined: The campaign must keep this data to meet a legal obligation.");
      await shot(requester, "requester", "06-declined");

      // The contact stays.
      await visit(admin, `${ORG}/contacts?q=${encodeURIComponent(email)}`);
      await expect(admin.getByTestId("contact-row")).toHaveCount(1);
    });
  });

  test("settings: volunteer2 exports their data, then deletes their synced contacts behind the confirmation", async ({ browser, baseURL, storageStateOf }) => {
    test.setTimeout(60_000);
    const volunteer2 = await pageAs(browser, baseURL, await storageStateOf("volunteer2@demo.test"));
    const admin = await pageAs(browser, baseURL, await storageStateOf("admin@demo.test"));

    await visit(volunteer2, "/settings/privacy");
    const campaign = volunteer2.getByTestId("synced-campaign").filter({ hasText: "Demo Campaign" });
    await expect(campaign).toContainText(/Demo Campaign: \d+ contacts? you synced/);
    const count = Number(/: (\d+) contact/.exec(await campaign.innerText())![1]);
    expect(count).toBeGreaterThanOrEqual(1);
    await shot(volunteer2, "settings", "01-privacy");

    // The export: their synced contacts, decrypted; nothing about passwords.
    const [download] = await Promise.all([volunteer2.waitForEvent("download"), volunteer2.getByTestId("export-data").click()]);
    expect(download.suggestedFilename()).toMatch(/^rampart-export-\d{4}-\d{2}-\d{2}\.json$/);
    const text = await fs.readFile(await download.path(), "utf8");
    expect(text).not.toMatch(/password_?hash/i);
    const data = JSON.parse(text) as { account: { email: string }; syncedContacts: { campaign: string; contacts: { name: string }[] }[] };
    expect(data.account.email).toBe("volunteer2@demo.test");
    const synced = data.syncedContacts.find((s) => s.campaign === "Demo Campaign");
    expect(synced?.contacts).toHaveLength(count);
    expect(synced!.contacts.map((c) => c.name)).toEqual(expect.arrayContaining(["Beatriz Lopes", "Nikolai Orlov", "Sade Okafor"]));

    // Without the box ticked: the browser holds the form back, and the server refuses it too.
    const form = campaign.getByTestId("delete-synced-campaign");
    const box = form.getByLabel("I understand this cannot be undone");
    const button = form.getByRole("button", { name: "Delete my synced contacts in Demo Campaign" });
    await button.click();
    expect(await box.evaluate((el: HTMLInputElement) => el.validity.valueMissing)).toBe(true);
    await box.evaluate((el: HTMLInputElement) => el.removeAttribute("required"));
    await button.click();
    await expect(form.getByRole("alert")).toHaveText("Tick the box to confirm: this cannot be undone.");
    await shot(volunteer2, "settings", "02-refused");
    await visit(volunteer2, "/settings/privacy");
    await expect(campaign).toContainText(`Demo Campaign: ${count} contact`);

    // The campaign's row (and its form) goes away with the revalidated page; the receipt is what remains.
    await box.check();
    await button.click();
    await expect(campaign).toHaveCount(0);
    await expect(volunteer2.getByTestId("page-notice")).toContainText(`Deleted ${count} contact`);
    await visit(volunteer2, "/settings/privacy");
    await expect(volunteer2.getByTestId("synced-campaign").filter({ hasText: "Demo Campaign" })).toHaveCount(0);
    await expect(volunteer2.getByTestId("privacy-receipt").filter({ hasText: `deleted from Demo Campaign` })).toHaveCount(1);
    await expect(volunteer2.getByTestId("privacy-receipt").filter({ hasText: "your data exported" })).toHaveCount(1);
    await shot(volunteer2, "settings", "03-deleted");

    expect(await syncedCountOf(admin, VICTOR)).toBe(0);
  });

  test("delete my account: the wrong email is refused, the right one deletes it and signing in fails afterwards", async ({ page }) => {
    test.setTimeout(60_000);
    const account = await createVerifiedAccount(page, "leaver");
    await signIn(page, account);
    await visit(page, "/settings/privacy");
    await expect(page.getByTestId("synced-empty")).toBeVisible();
    const form = page.getByTestId("delete-account");
    const email = form.getByLabel("Type your account email to confirm");
    await email.fill("someone-else@example.test");
    await form.getByRole("button", { name: "Delete my account" }).click();
    await expect(email).toHaveAttribute("aria-invalid", "true");
    await expect(form).toContainText("Type the email address of this account exactly, to confirm.");
    await shot(page, "leaver", "01-refused");

    await email.fill(account.email.toUpperCase());
    await form.getByRole("button", { name: "Delete my account" }).click();
    await page.waitForURL((url) => url.pathname === "/" && url.searchParams.get("notice") === "account-deleted");
    await expect(page.getByTestId("account-deleted-notice")).toBeVisible();
    await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();
    await shot(page, "leaver", "02-deleted");

    await enterPassword(page, account.email, account.password);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("The email or password is not correct.");
    expect(new URL(page.url()).pathname).toBe("/login");
  });
});
