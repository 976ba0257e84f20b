import type { APIResponse, Browser, PlaywrightWorkerArgs } from "@playwright/test";
import { expect, test } from "./fixtures/auth";
import { matrix, roleAccounts, roleLabels, roles, type MatrixRole, type MatrixRow, type Outcome } from "./fixtures/matrix";

/**
 * The authorization matrix over HTTP, as a black box: one test per route × role (e2e/fixtures/matrix.ts), each a
 * plain GET with that role's cookies and no redirect following. Platform staff run in order in one worker: first
 * every cell without a grant, then the staff console opens a grant for demo-campaign, then every cell with it.
 */

/** Campaigns each role may know exists; a refusal must not name any other. */
const knownCampaigns: Record<MatrixRole, string[]> = {
  owner: ["Demo Campaign"],
  admin: ["Demo Campaign"],
  volunteer: ["Demo Campaign"],
  otherCampaign: ["Rival Campaign"],
  signedOut: [],
  staffNoGrant: [],
  staffWithGrant: ["Demo Campaign"],
};
const CAMPAIGN_NAMES = ["Demo Campaign", "Rival Campaign"];
const isRedirect = (status: number) => [302, 303, 307, 308].includes(status);

async function get(playwright: PlaywrightWorkerArgs["playwright"], baseURL: string | undefined, path: string, storageState?: string): Promise<{ res: APIResponse; body: string }> {
  const ctx = await playwright.request.newContext({ baseURL, storageState });
  try {
    const res = await ctx.get(path, { maxRedirects: 0 });
    return { res, body: await res.text() };
  } finally {
    await ctx.dispose();
  }
}

function expectOutcome(row: MatrixRow, role: MatrixRole, expected: Outcome, res: APIResponse, body: string) {
  const where = `${row.path} as ${roleLabels[role]}`;
  const api = row.path.startsWith("/api/");
  if (expected === "login") {
    expect(isRedirect(res.status()), `${where}: status ${res.status()}, expected a redirect`).toBe(true);
    const location = new URL(res.headers()["location"] ?? "", "http://app.invalid");
    expect(location.pathname, where).toBe("/login");
    expect(location.searchParams.get("next"), where).toBe(row.path);
    return;
  }
  expect(res.status(), where).toBe(expected);
  if (row.download) {
    // Refusals come from middleware (an HTML 404) or the route's guard (problem+json); either way no file.
    if (expected === 200) {
      expect(res.headers()["content-type"], where).toContain(row.download);
      expect(res.headers()["content-disposition"], where).toContain("attachment");
    } else expect(res.headers()["content-disposition"] ?? "", where).not.toContain("attachment");
  } else if (api) {
    expect(res.headers()["content-type"], where).toContain(expected === 200 ? "application/json" : "application/problem+json");
  } else {
    expect(res.headers()["content-type"], where).toContain("text/html");
  }
  // A refusal never says which other campaigns exist.
  if (expected === 404) for (const name of CAMPAIGN_NAMES.filter((n) => !knownCampaigns[role].includes(n))) expect(body, where).not.toContain(name);
}

function cellTitle(row: MatrixRow, role: MatrixRole) {
  const e = row.expect[role];
  return `${row.path} as ${roleLabels[role]} → ${e === "login" ? "redirect to /login" : e}`;
}

async function checkCell(
  { playwright, baseURL, storageStateOf }: { playwright: PlaywrightWorkerArgs["playwright"]; baseURL: string | undefined; storageStateOf: (email: string) => Promise<string> },
  row: MatrixRow,
  role: MatrixRole,
) {
  const storageState = role === "signedOut" ? undefined : await storageStateOf(roleAccounts[role]);
  const { res, body } = await get(playwright, baseURL, row.path, storageState);
  expectOutcome(row, role, row.expect[role], res, body);
  return body;
}

// Every role signs in once per worker; in parallel, so the sign-ins overlap instead of queueing.
test.beforeAll(async ({ storageStateOf }) => {
  await Promise.all([...new Set(Object.values(roleAccounts))].map((email) => storageStateOf(email)));
});

test.describe("authorization matrix: members, other campaigns and visitors", () => {
  for (const row of matrix)
    for (const role of roles.filter((r) => r !== "staffNoGrant" && r !== "staffWithGrant"))
      test(cellTitle(row, role), async ({ playwright, baseURL, storageStateOf }) => {
        await checkCell({ playwright, baseURL, storageStateOf }, row, role);
      });
});

test.describe("authorization matrix: platform staff", () => {
  // In order, in one worker: the grant opened halfway must not reach the cells that check staff without one.
  test.describe.configure({ mode: "default" });

  for (const row of matrix)
    test(cellTitle(row, "staffNoGrant"), async ({ playwright, baseURL, storageStateOf }) => {
      await checkCell({ playwright, baseURL, storageStateOf }, row, "staffNoGrant");
    });

  test.describe("after opening a support grant for demo-campaign", () => {
    test.beforeAll(async ({ browser, storageStateOf }: { browser: Browser; storageStateOf: (email: string) => Promise<string> }, testInfo) => {
      const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL, storageState: await storageStateOf(roleAccounts.staffWithGrant) });
      try {
        const page = await context.newPage();
        await page.goto("/staff");
        const card = page.locator("div", { has: page.getByRole("heading", { name: "Open support access" }) }).last();
        // Fields by name: the console's forms share field ids, so labels cannot tell them apart.
        await card.locator('input[name="slug"]').fill("demo-campaign");
        await card.locator('input[name="reason"]').fill("Authorization matrix check: read-only support visit.");
        await card.locator('input[name="minutes"]').fill("30");
        await card.getByRole("button", { name: "Open read-only access" }).click();
        await expect(card.getByRole("status")).toContainText("Read-only access to demo-campaign");
      } finally {
        await context.close();
      }
    });

    for (const row of matrix)
      test(cellTitle(row, "staffWithGrant"), async ({ playwright, baseURL, storageStateOf }) => {
        const body = await checkCell({ playwright, baseURL, storageStateOf }, row, "staffWithGrant");
        if (row.path === "/o/demo-campaign" && row.expect.staffWithGrant === 200) expect(body).toContain("Support access: read-only");
      });
  });
});
