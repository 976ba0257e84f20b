import fs from "node:fs/promises";
import path from "node:path";
import { expect, test, type CDPSession, type Page } from "@playwright/test";
import { choose, open } from "./support";

const PASSWORD = "quiet-copper-meadow-lantern-77";

/** Mails the e2e server wrote to its outbox (`<E2E_DATA_DIR>/outbox/*.json`) for one address. */
async function mailsTo(email: string): Promise<{ subject: string; text: string }[]> {
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir) throw new Error("E2E_DATA_DIR must name the e2e server's data directory (scripts/test.ts sets it) to read its outbox.");
  const dir = path.join(path.resolve(dataDir), "outbox");
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const mails = await Promise.all(names.filter((n) => n.endsWith(".json")).map(async (n) => JSON.parse(await fs.readFile(path.join(dir, n), "utf8"))));
  return mails.filter((m) => m.to === email);
}

async function verificationPath(email: string): Promise<string> {
  let link = "";
  await expect
    .poll(async () => {
      const mail = (await mailsTo(email)).find((m) => m.subject.startsWith("Confirm your email"));
      link = /\/verify-email\?token=[\w-]+/.exec(mail?.text ?? "")?.[0] ?? "";
      return link;
    }, { message: "verification mail in the outbox" })
    .not.toBe("");
  return link;
}

/** Chromium's virtual authenticator: a USB security key that is always present and verifies its user. */
async function addVirtualSecurityKey(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "usb", hasResidentKey: false, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId };
}

async function signInWithPassword(page: Page, email: string, next = "/settings/security") {
  await open(page, `/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

test("security key: add it, then sign-in needs it, then remove it", async ({ page }) => {
  test.setTimeout(90_000);
  const email = `key-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.org`;
  const { cdp, authenticatorId } = await addVirtualSecurityKey(page);

  // Sign up and confirm the address through the link in the outbox.
  await open(page, "/signup");
  await choose(page, "Reject all");
  await page.getByLabel("Your name").fill("Kim Keyholder");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("status")).toContainText("Check your email");
  await open(page, await verificationPath(email));
  await page.getByRole("button", { name: "Confirm my email address" }).click();
  await expect(page.getByRole("status")).toBeVisible();

  // Without a factor the password is enough.
  await signInWithPassword(page, email);
  await expect(page).toHaveURL(/\/settings\/security$/);
  const keysCard = page.locator("div", { has: page.getByRole("heading", { name: "Security keys" }) }).last();
  await expect(keysCard.getByText("No security keys yet.")).toBeVisible();

  // Register the key: the browser's ceremony against the virtual authenticator, verified by the server.
  await keysCard.getByLabel("Name of the new key").fill("Virtual key");
  await keysCard.getByRole("button", { name: "Add a security key" }).click();
  await expect(keysCard.getByText("Security key “Virtual key” added.")).toBeVisible();
  await expect(keysCard.getByTestId("security-key-row")).toHaveCount(1);
  await expect(keysCard.getByTestId("security-key-row")).toContainText("not used yet");
  // The first factor comes with recovery codes, shown once.
  await expect(keysCard.getByTestId("recovery-codes").getByRole("listitem")).toHaveCount(10);
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  expect(credentials).toHaveLength(1);

  // Signing the key up again is refused by the browser (the server excludes registered keys).
  await keysCard.getByLabel("Name of the new key").fill("Same key again");
  await keysCard.getByRole("button", { name: "Add a security key" }).click();
  await expect(keysCard.getByRole("alert")).toContainText("already registered");
  await expect(keysCard.getByTestId("security-key-row")).toHaveCount(1);

  // Sign out.
  await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);

  // The password alone stops at the second step and yields no session.
  await signInWithPassword(page, email);
  const useKey = page.getByRole("button", { name: "Use my security key" });
  await expect(useKey).toBeVisible();
  await expect(page.getByRole("button", { name: "Use a recovery code instead" })).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
  const guarded = await page.request.get("/settings/security", { maxRedirects: 0 });
  expect(guarded.status()).toBeGreaterThanOrEqual(300);
  expect(guarded.status()).toBeLessThan(400);
  expect(guarded.headers()["location"]).toContain("/login");
  expect((await page.context().cookies()).map((c) => c.name)).not.toContain("rampart-session");

  // The key does.
  await useKey.click();
  await expect(page).toHaveURL(/\/settings\/security$/);
  await expect(keysCard.getByTestId("security-key-row")).toContainText("last used");
  await expect(page.getByTestId("sign-in-history")).toContainText("Password correct, code requested");

  // Removing the key needs a fresh touch of a key, not just the session.
  await keysCard.getByRole("button", { name: "Remove Virtual key" }).click();
  const confirm = keysCard.getByRole("group", { name: "Confirm removing Virtual key" });
  await confirm.getByLabel("Or a recovery code").fill("aaaaa-bbbbb");
  await confirm.getByRole("button", { name: "Remove with this code" }).click();
  await expect(confirm.getByText("That code did not work.")).toBeVisible();
  await expect(keysCard.getByTestId("security-key-row")).toHaveCount(1);
  await confirm.getByRole("button", { name: "Confirm with a security key" }).click();
  await expect(keysCard.getByText("Security key removed.")).toBeVisible();
  await expect(keysCard.getByText("No security keys yet.")).toBeVisible();

  // With no factor left, the password alone signs in again.
  await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await signInWithPassword(page, email);
  await expect(page).toHaveURL(/\/settings\/security$/);
});
