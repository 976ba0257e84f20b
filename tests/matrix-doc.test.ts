import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cellCount, matrix, matrixMarkdown, roles } from "@/e2e/fixtures/matrix";

/** docs/authorization-matrix.md prints the table the Playwright matrix checks; this keeps the two from drifting. */
describe("docs/authorization-matrix.md", () => {
  const doc = fs.readFileSync(path.resolve(import.meta.dirname, "..", "docs", "authorization-matrix.md"), "utf8");

  it("carries exactly the table of e2e/fixtures/matrix.ts", () => {
    const table = /<!-- matrix:start -->\n([\s\S]*?)\n<!-- matrix:end -->/.exec(doc)?.[1];
    expect(table, "the table between the matrix markers").toBeDefined();
    expect(table).toBe(matrixMarkdown());
  });

  it("states the number of cells checked", () => {
    expect(cellCount).toBe(matrix.length * roles.length);
    expect(doc).toContain(`**${cellCount} cells**`);
  });

  it("gives every cell an expected outcome", () => {
    for (const row of matrix) for (const role of roles) expect([200, 401, 404, "login"], `${row.path} × ${role}`).toContain(row.expect[role]);
  });
});
