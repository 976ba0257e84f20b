import fs from "node:fs/promises";
import path from "node:path";
import { expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { generate } from "otplib";

/** A passphrase the strength rules accept (several unrelated words, no composition rules). */
export const PASSPHRASE = "lantern river copper meadow 91";

/** A fresh address per call, so tests never share an account and can run in parallel. */
export function uniqueEmail(tag: string): string {
  return `e2e-${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 10)}@example.test`;
}

export type Account = { name: string; email: string; password: string };

export function newAccountDetails(tag: string, name = "Robin Example"): Account {
  return { name, email: uniqueEmail(tag), password: PASSPHRASE };
}

/* ---------------------------------------------------------------------------------------------- */
/* Pages                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

/**
 * Navigates and waits until the page's scripts have run: the login form submits through
 * JavaScript, and an unhydrated click would fall back to a plain GET form submission.
 */
export async function visit(page: Page, url: string): Promise<void> {
  const response = await page.goto(url, { waitUntil: "networkidle" });
  expect(response, `no response for ${url}`).not.toBeNull();
  expect(response!.status(), `${url} answered a server error`).toBeLessThan(500);
  await hydrated(page);
}

/**
 * Waits until React has hydrated every button and form the server rendered (React keeps its props
 * on hydrated DOM nodes). "networkidle" alone is not enough on a busy machine: a click before
 * hydration does nothing on a banner button and submits the login form as a plain GET.
 */
export async function hydrated(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(() =>
          Array.from(document.querySelectorAll("button, form")).every((el) => Object.keys(el).some((k) => k.startsWith("__reactProps$"))),
        ),
      { message: "React has hydrated the page" },
    )
    .toBe(true);
}

export const cookieBanner = (page: Page) => page.getByRole("region", { name: "Cookies on Rampart" });

/** The banner appears on a context's first visit: reject optional cookies and wait until the choice is recorded. */
export async function dismissCookieBanner(page: Page): Promise<void> {
  const banner = cookieBanner(page);
  if (!(await banner.isVisible())) return;
  const recorded = page.waitForResponse((r) => r.url().endsWith("/api/consent") && r.request().method() === "POST");
  await banner.getByRole("button", { name: "Reject all", exact: true }).click();
  expect((await recorded).status()).toBe(200);
  await expect(banner).toBeHidden();
}

/** A new browser context (another browser, as far as the server knows) with one page, cookie choice made. */
export async function otherBrowser(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await visit(page, "/login");
  await dismissCookieBanner(page);
  return { context, page };
}

/* ---------------------------------------------------------------------------------------------- */
/* Outbox (`${E2E_DATA_DIR}/outbox/*.json`, written by the e2e server)                            */
/* ---------------------------------------------------------------------------------------------- */

export type Mail = { to: string; subject: string; text: string; sentAt: string };

function outboxDir(): string {
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir) throw new Error("Set E2E_DATA_DIR to the e2e server's data directory (playwright.config.ts passes it as RAMPART_DATA_DIR) so tests can read its outbox.");
  return path.join(path.resolve(dataDir), "outbox");
}

/** Every mail to one address, oldest first. A file still being written is skipped (the next poll reads it). */
export async function mailsTo(email: string): Promise<Mail[]> {
  const dir = outboxDir();
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".json")).sort();
  const mails = await Promise.all(
    names.map(async (n) => {
      try {
        return JSON.parse(await fs.readFile(path.join(dir, n), "utf8")) as Mail;
      } catch {
        return null;
      }
    }),
  );
  return mails.filter((m): m is Mail => m !== null && m.to === email).sort((a, b) => a.sentAt.localeCompare(b.sentAt));
}

/** Polls the outbox until at least `count` mails to `email` with this subject exist; returns them, oldest first. */
export async function waitForMails(email: string, subject: string, count = 1): Promise<Mail[]> {
  let found: Mail[] = [];
  await expect
    .poll(
      async () => {
        found = (await mailsTo(email)).filter((m) => m.subject === subject);
        return found.length;
      },
      { message: `${count} mail(s) "${subject}" to ${email} in the outbox` },
    )
    .toBeGreaterThanOrEqual(count);
  return found;
}

/** The path and query of the link in a mail (the app writes absolute links to its configured URL). */
export function linkIn(mail: Mail, pathname: "/verify-email" | "/reset-password"): string {
  const match = new RegExp(`https?://[^\\s/]+(${pathname.replace("/", "\\/")}\\?token=[\\w-]+)`).exec(mail.text);
  expect(match, `a ${pathname} link in "${mail.subject}"`).not.toBeNull();
  return match![1]!;
}

export const VERIFY_SUBJECT = "Confirm your email for Rampart";
export const RESET_SUBJECT = "Reset your Rampart password";

/* ---------------------------------------------------------------------------------------------- */
/* Account journeys                                                                               */
/* ---------------------------------------------------------------------------------------------- */

/** Fills in /signup and waits for the "check your email" answer. */
export async function signUp(page: Page, account: Account): Promise<void> {
  await visit(page, "/signup");
  await dismissCookieBanner(page);
  await page.getByLabel("Your name").fill(account.name);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("main").getByRole("button", { name: "Create account" }).click();
  // Either answer, so that a refusal (a weak password, the per-address sign-up limit) shows its own words on failure.
  const main = page.getByRole("main");
  await expect(main.getByRole("status").or(main.getByRole("alert")), "the sign-up answer").toContainText("Check your email");
}

/** Opens a verification link and presses the confirmation button. */
export async function confirmEmail(page: Page, linkPath: string): Promise<void> {
  await visit(page, linkPath);
  await page.getByRole("button", { name: "Confirm my email address" }).click();
  await expect(page.getByRole("main").getByRole("status")).toContainText("Your email address is confirmed.");
}

/** Sign-up and email confirmation: an account that can sign in (not signed in yet). */
export async function createVerifiedAccount(page: Page, tag: string): Promise<Account> {
  const account = newAccountDetails(tag);
  await signUp(page, account);
  const [mail] = await waitForMails(account.email, VERIFY_SUBJECT);
  await confirmEmail(page, linkIn(mail!, "/verify-email"));
  return account;
}

/** Submits the login form's current step and waits for the server's answer to the credentials request. */
export async function submitLogin(page: Page, button: "Sign in" | "Verify" = "Sign in"): Promise<void> {
  const answered = page.waitForResponse((r) => r.url().includes("/api/auth/callback/credentials") && r.request().method() === "POST");
  await page.getByRole("main").getByRole("button", { name: button, exact: true }).click();
  await answered;
}

/** Opens /login and submits email and password (the first step); does not assert the outcome. */
export async function enterPassword(page: Page, email: string, password: string): Promise<void> {
  await visit(page, "/login");
  await dismissCookieBanner(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await submitLogin(page);
}

/** The person is signed in: the campaigns page and the header's "Sign out". */
export async function expectSignedIn(page: Page): Promise<void> {
  await expect(page).toHaveURL(/\/orgs$/);
  await expect(page.getByRole("heading", { name: "Your campaigns" })).toBeVisible();
  await expect(page.getByRole("banner").getByRole("button", { name: "Sign out" })).toBeVisible();
}

/** Password sign-in for an account without a second factor; ends on /orgs. */
export async function signIn(page: Page, account: Pick<Account, "email" | "password">): Promise<void> {
  await enterPassword(page, account.email, account.password);
  await expectSignedIn(page);
}

/** The header's "Sign out", which ends the session row and lands on /login. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();
}

/** No valid session in this page's context: a signed-in page sends it to /login. */
export async function expectSignedOut(page: Page, pathname = "/settings"): Promise<void> {
  await page.goto(pathname);
  await expect(page).toHaveURL((url) => url.pathname === "/login" && url.searchParams.get("next") === pathname);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
}

/** Same check from a separate tab of the same context, so the page under test keeps its state. */
export async function expectNoSession(context: BrowserContext): Promise<void> {
  const probe = await context.newPage();
  try {
    await expectSignedOut(probe);
  } finally {
    await probe.close();
  }
}

/* ---------------------------------------------------------------------------------------------- */
/* TOTP                                                                                           */
/* ---------------------------------------------------------------------------------------------- */

export const TOTP_PERIOD_SECONDS = 30;
export const totpStep = (ms = Date.now()) => Math.floor(ms / 1000 / TOTP_PERIOD_SECONDS);

/** The current code for a secret, and the 30-second step it belongs to. */
export async function totpNow(secret: string): Promise<{ code: string; step: number }> {
  const now = Date.now();
  return { code: await generate({ secret, epoch: Math.floor(now / 1000) }), step: totpStep(now) };
}

/**
 * A code from a later step than `usedStep`: the server refuses a code from a step it has already
 * accepted (replay protection), so wait for the next step when needed (at most 30 s).
 */
export async function freshTotp(page: Page, secret: string, usedStep: number): Promise<{ code: string; step: number }> {
  const nextStepAt = (usedStep + 1) * TOTP_PERIOD_SECONDS * 1000;
  const wait = nextStepAt - Date.now();
  if (wait > 0) await page.waitForTimeout(wait + 250);
  return totpNow(secret);
}

/** Enrols an authenticator app on /settings/security; returns the key, the step used to confirm it and the recovery codes. */
export async function enrolTotp(page: Page): Promise<{ secret: string; step: number; code: string; recoveryCodes: string[] }> {
  await visit(page, "/settings/security");
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  const secret = (await page.getByTestId("totp-secret").innerText()).trim();
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const { code, step } = await totpNow(secret);
  await page.getByLabel("Code from the app").fill(code);
  await page.getByRole("button", { name: "Turn on two-step verification" }).click();
  const list = page.getByTestId("recovery-codes");
  await expect(list).toBeVisible();
  const recoveryCodes = (await list.getByRole("listitem").allInnerTexts()).map((c) => c.trim());
  return { secret, step, code, recoveryCodes };
}
