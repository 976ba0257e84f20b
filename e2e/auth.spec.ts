import { expect, test } from "@playwright/test";
import {
  confirmEmail,
  createVerifiedAccount,
  dismissCookieBanner,
  enrolTotp,
  enterPassword,
  expectNoSession,
  expectSignedIn,
  expectSignedOut,
  freshTotp,
  linkIn,
  newAccountDetails,
  otherBrowser,
  RESET_SUBJECT,
  signIn,
  signOut,
  signUp,
  submitLogin,
  uniqueEmail,
  VERIFY_SUBJECT,
  visit,
  waitForMails,
} from "./support/auth";

// Every test signs up its own account, so they run in parallel without sharing state.
// (No rate-limit tests here: the per-address limits are shared by all parallel tests; integration tests cover them.)

const NOT_CORRECT = "The email or password is not correct.";

test.describe("accounts", () => {
  // Each journey hashes or verifies passwords with argon2id (64 MiB, 3 passes) several times: allow for a busy machine.
  test.describe.configure({ timeout: 60_000 });

  test("sign up, confirm the email from the outbox, sign in", async ({ page }) => {
    const account = newAccountDetails("signup");
    await signUp(page, account);

    const [mail] = await waitForMails(account.email, VERIFY_SUBJECT);
    const link = linkIn(mail!, "/verify-email");
    await confirmEmail(page, link);

    // The link works once.
    await visit(page, link);
    await page.getByRole("button", { name: "Confirm my email address" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toContainText("This link has expired or was already used.");

    await signIn(page, account); // lands on "Your campaigns" with "Sign out" in the header
  });

  test("before the email is confirmed, the right password asks for confirmation and sends a new link", async ({ page }) => {
    const account = newAccountDetails("unverified");
    await signUp(page, account);
    await waitForMails(account.email, VERIFY_SUBJECT, 1);

    await enterPassword(page, account.email, account.password);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Please confirm your email address first. We have just sent you a new link.");
    await expect(page).toHaveURL(/\/login$/);
    await expectNoSession(page.context());

    // A second, working link arrives.
    const mails = await waitForMails(account.email, VERIFY_SUBJECT, 2);
    await confirmEmail(page, linkIn(mails.at(-1)!, "/verify-email"));
    await signIn(page, account);
  });

  test("authenticator app: enrol, then sign-in needs a code; a recovery code works once", async ({ page, context }) => {
    test.setTimeout(100_000); // may also wait up to one 30-second TOTP step
    const account = await createVerifiedAccount(page, "totp");
    await signIn(page, account);

    const enrolment = await enrolTotp(page);
    expect(enrolment.recoveryCodes).toHaveLength(10);
    expect(new Set(enrolment.recoveryCodes).size).toBe(10);
    await signOut(page);

    // The password alone does not sign in: the form asks for the second step and no session exists.
    await enterPassword(page, account.email, account.password);
    const codeField = page.getByLabel("Authentication code");
    await expect(codeField).toBeVisible();
    await expect(page.getByRole("button", { name: "Use a recovery code instead" })).toBeVisible();
    await expect(page).toHaveURL(/\/login$/);
    await expectNoSession(context);

    // The code that confirmed the enrolment is spent: replaying it is refused.
    await codeField.fill(enrolment.code);
    await submitLogin(page, "Verify");
    await expect(page.getByRole("main").getByRole("alert")).toContainText("That code did not work.");
    await expectNoSession(context);

    // A code from a later step signs in.
    const fresh = await freshTotp(page, enrolment.secret, enrolment.step);
    await codeField.fill(fresh.code);
    await submitLogin(page, "Verify");
    await expectSignedIn(page);
    await signOut(page);

    // A recovery code instead of the app.
    const [recoveryCode] = enrolment.recoveryCodes;
    await enterPassword(page, account.email, account.password);
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await page.getByLabel("Recovery code").fill(recoveryCode!);
    await submitLogin(page, "Verify");
    await expectSignedIn(page);
    await visit(page, "/settings/security");
    await expect(page.getByText("You have 9 unused recovery codes.")).toBeVisible();
    await signOut(page);

    // The same recovery code a second time is refused.
    await enterPassword(page, account.email, account.password);
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await page.getByLabel("Recovery code").fill(recoveryCode!);
    await submitLogin(page, "Verify");
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("That recovery code did not work. Each code works once.");
    await expect(page).toHaveURL(/\/login$/);
    await expectNoSession(context);
  });

  test("two browsers: both sessions are listed, and signing one out ends it at once", async ({ page, browser }) => {
    const account = await createVerifiedAccount(page, "sessions");
    await signIn(page, account);
    const b = await otherBrowser(browser);
    const c = await otherBrowser(browser);
    try {
      await signIn(b.page, account);

      await visit(page, "/settings/security");
      const rows = page.getByTestId("session-row");
      await expect(rows).toHaveCount(2);
      const mine = rows.filter({ hasText: "This browser" });
      await expect(mine).toHaveCount(1);
      const other = rows.filter({ hasNotText: "This browser" });
      await expect(other).toHaveCount(1);

      await other.getByRole("button", { name: "Sign out", exact: true }).click();
      await expect(other.getByRole("status")).toHaveText("That session was signed out.");

      // B's very next request finds its session ended; A is still signed in.
      await expectSignedOut(b.page);
      await visit(page, "/settings/security");
      await expect(rows).toHaveCount(1);
      await expect(rows.first()).toContainText("This browser");

      // "Sign out everywhere else" ends every other session and keeps this one.
      await signIn(c.page, account);
      await visit(page, "/settings/security");
      await expect(rows).toHaveCount(2);
      await page.getByRole("button", { name: "Sign out everywhere else" }).click();
      await expect(page.getByText("Signed out 1 other session.")).toBeVisible();
      await expectSignedOut(c.page);
      await visit(page, "/settings/security");
      await expect(rows).toHaveCount(1);
      await expect(page).toHaveURL(/\/settings\/security$/);
    } finally {
      await b.context.close();
      await c.context.close();
    }
  });

  test("password reset: weak password refused with a reason, strong one accepted, old sessions signed out", async ({ page, browser }) => {
    const account = await createVerifiedAccount(page, "reset");
    await signIn(page, account); // the session that the reset must end

    const other = await otherBrowser(browser);
    try {
      const p = other.page;
      await visit(p, "/forgot-password");
      await p.getByLabel("Email").fill(account.email);
      await p.getByRole("button", { name: "Send reset link" }).click();
      await expect(p.getByRole("main").getByRole("status")).toContainText("If an account uses that address, we have emailed it a reset link.");

      const [mail] = await waitForMails(account.email, RESET_SUBJECT);
      await visit(p, linkIn(mail!, "/reset-password"));

      const newPassword = p.getByLabel("New password");
      await newPassword.fill("password1234");
      await p.getByRole("button", { name: "Set new password" }).click();
      await expect(newPassword).toHaveAttribute("aria-invalid", "true");
      await expect(p.locator("[id$='-password-error']")).toHaveText(/^This password is too easy to guess: .+ Try a longer passphrase of unrelated words\.$/);

      const stronger = "harbour violet tundra saxophone 37";
      await newPassword.fill(stronger);
      await p.getByRole("button", { name: "Set new password" }).click();
      await expect(p.getByRole("main").getByRole("status")).toContainText("Your password has been changed and every session was signed out.");

      // The session from before the reset is gone.
      await expectSignedOut(page);

      // The old password no longer works; the new one does.
      await enterPassword(p, account.email, account.password);
      await expect(p.getByRole("main").getByRole("alert")).toHaveText(NOT_CORRECT);
      await signIn(p, { email: account.email, password: stronger });
    } finally {
      await other.context.close();
    }
  });

  test("a wrong password and an unknown email get the same answer; the failure shows in the sign-in history", async ({ page }) => {
    const account = await createVerifiedAccount(page, "history");
    const alert = page.getByRole("main").getByRole("alert");

    await enterPassword(page, account.email, "wrong horse battery staple 12");
    await expect(alert).toHaveText(NOT_CORRECT);
    await expect(page).toHaveURL(/\/login$/);

    await page.getByLabel("Email").fill(uniqueEmail("nobody"));
    await page.getByLabel("Password").fill(account.password);
    await submitLogin(page);
    await expect(alert).toHaveText(NOT_CORRECT);
    await expect(page).toHaveURL(/\/login$/);

    await signIn(page, account);
    await visit(page, "/settings/security");
    await dismissCookieBanner(page);
    const history = page.getByTestId("sign-in-history");
    const results = history.locator("tbody tr td:nth-child(2)");
    // Newest first: the success, then the wrong password (the unknown address belongs to nobody's history).
    await expect(results).toHaveText(["Signed in", "Wrong password"]);
  });
});
