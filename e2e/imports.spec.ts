import fs from "node:fs/promises";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "@playwright/test";
import ExcelJS from "exceljs";
import { expect, test } from "./fixtures/auth";
import { visit } from "./support/auth";

/**
 * Campaign imports as an admin uses them: upload a CSV or an .xlsx, map the columns over a preview, start, watch the
 * progress to the end, open the history, download the result file, roll back; bad files are refused with their reason.
 */

const ORG = "/o/demo-campaign";
const SHOTS = path.join(process.cwd(), "test-results", "screenshots", "imports");
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function adminPage(browser: Browser, baseURL: string | undefined, storageState: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, storageState });
  return context.newPage();
}

async function upload(page: Page, name: string, mimeType: string, buffer: Buffer): Promise<void> {
  await visit(page, `${ORG}/imports/new`);
  await page.getByLabel("CSV or Excel file").setInputFiles({ name, mimeType, buffer });
  await page.getByRole("button", { name: "Upload and check" }).click();
}

async function expectAccessible(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`);
  expect(serious, `${label}: serious axe violations`).toEqual([]);
}

async function xlsxOf(rows: unknown[][], edit?: (ws: ExcelJS.Worksheet) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("Contacts");
  for (const r of rows) ws.addRow(r);
  edit?.(ws);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

test.describe("imports", () => {
  test("an admin imports a CSV, watches it finish, downloads the result and rolls it back", async ({ browser, baseURL, storageStateOf }) => {
    test.setTimeout(120_000);
    const page = await adminPage(browser, baseURL, await storageStateOf("admin@demo.test"));
    const tag = unique();
    // Phones left empty: the demo contacts use the drama range, and a matching phone would make a row a duplicate.
    const rows = Array.from({ length: 40 }, (_, i) => `Imported Person ${tag} ${i};imp${i}-${tag}@example.org;`);
    const csv = ["Full name;E-mail;Mobile", ...rows, `;missing-name-${tag}@example.org;`].join("\r\n");
    await upload(page, `people-${tag}.csv`, "text/csv", Buffer.from(csv, "utf8"));

    await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(`people-${tag}.csv`);
    await expect(page.getByText("read as UTF-8")).toBeVisible();
    await expect(page.getByLabel("Full name")).toHaveValue("name");
    await expect(page.getByLabel("E-mail")).toHaveValue("email");
    await expect(page.getByLabel("Mobile")).toHaveValue("phone");
    await expect(page.getByTestId("import-preview").locator("tbody tr")).toHaveCount(20);
    await expect(page.getByTestId("import-preview")).toContainText(`Imported Person ${tag} 0`);
    await expectAccessible(page, "mapping page");
    await page.getByLabel("Tags for every imported contact").fill("supporter");
    await page.getByRole("button", { name: "Start import" }).click();

    const progress = page.getByTestId("import-progress");
    await expect(progress).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
    await expect(page.getByText("Imported 41 of 41 rows")).toBeVisible();
    await expect(page.getByTestId("import-problems")).toContainText("Enter a name");
    await expect(page.getByTestId("import-problems")).not.toContainText(`missing-name-${tag}`);
    await expectAccessible(page, "finished import");

    const href = await page.getByRole("link", { name: "Download result file (CSV)" }).getAttribute("href");
    const download = await page.request.get(href!);
    expect(download.headers()["content-disposition"]).toMatch(/^attachment; filename="import-[0-9a-f]{8}-result\.csv"$/);
    const body = await download.text();
    expect(body.split("\n")[0]).toBe("row,outcome,contact_id,column,reason");
    expect(body).toContain(",failed,,name,Enter a name");

    await visit(page, `${ORG}/imports`);
    const row = page.getByTestId("import-row").filter({ hasText: `people-${tag}.csv` });
    await expect(row).toContainText("Finished");
    await expect(row).toContainText("40");
    await expectAccessible(page, "import history");
    await fs.mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, "history.png"), fullPage: true });

    await row.getByRole("link", { name: `people-${tag}.csv` }).click();
    await page.getByRole("button", { name: "Roll back this import" }).click();
    await expect(page.getByText("Rollback started")).toBeVisible();
    await page.reload();
    await expect(page.getByText(/Rolled back .*: 40 contacts restored or deleted/)).toBeVisible({ timeout: 60_000 });
    await visit(page, `${ORG}/activity`);
    await expect(page.getByTestId("activity-feed").first()).toContainText("rolled back an import");
  });

  test("an admin imports an .xlsx workbook", async ({ browser, baseURL, storageStateOf }) => {
    test.setTimeout(90_000);
    const page = await adminPage(browser, baseURL, await storageStateOf("admin@demo.test"));
    const tag = unique();
    const bytes = await xlsxOf([["Name", "Email", "VAN ID"], ...Array.from({ length: 12 }, (_, i) => [`Sheet Person ${tag} ${i}`, `sheet${i}-${tag}@example.org`, 9000 + i])]);
    await upload(page, `sheet-${tag}.xlsx`, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes);
    await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
    await expect(page.getByText("read as Excel workbook")).toBeVisible();
    await expect(page.getByLabel("VAN ID")).toHaveValue("external_id");
    await page.getByRole("button", { name: "Start import" }).click();
    await expect(page.getByTestId("import-progress")).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
    await expect(page.getByText("Imported 12 of 12 rows")).toBeVisible();
  });

  test("bad files are refused with their reason", async ({ browser, baseURL, storageStateOf }) => {
    const page = await adminPage(browser, baseURL, await storageStateOf("admin@demo.test"));
    const error = page.getByTestId("import-upload-error");
    await upload(page, "header-only.csv", "text/csv", Buffer.from("Name,Email\n"));
    await expect(error).toHaveText("The file has a header row but no contacts under it.");
    await upload(page, "picture.csv", "text/csv", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    await expect(error).toContainText("holds binary data");
    await upload(page, "renamed.csv", "text/csv", await xlsxOf([["Name"], ["Ada"]]));
    await expect(error).toContainText("renamed .csv");
    await upload(page, "formula.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", await xlsxOf([["Name", "Total"], ["Ada", 1]], (ws) => {
      ws.getCell("B2").value = { formula: "1+1", result: 2 } as ExcelJS.CellFormulaValue;
    }));
    await expect(error).toContainText("is a formula");
    await upload(page, "notes.pdf", "application/pdf", Buffer.from("%PDF-1.4"));
    await expect(error).toHaveText("Upload a .csv or .xlsx file.");
    await expectAccessible(page, "upload page with an error");
  });

  test("a volunteer does not find the imports", async ({ browser, baseURL, storageStateOf }) => {
    const page = await adminPage(browser, baseURL, await storageStateOf("volunteer@demo.test"));
    const res = await page.goto(`${ORG}/imports`);
    expect(res?.status()).toBe(404);
    const api = await page.request.post(`${ORG.replace("/o/", "/api/o/")}/imports`, { data: "Name\nX\n", headers: { "x-file-name": "x.csv", origin: baseURL! } });
    expect(api.status()).toBe(404);
  });
});
