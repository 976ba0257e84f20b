import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { endpoints } from "@/lib/api/endpoints";
import { apiMatrix, apiMatrixCellCount, apiMatrixMarkdown } from "@/lib/api/matrix";
import { openApiDocument } from "@/lib/api/openapi";
import { apiRouteModules } from "@/lib/testing/api";

const ROOT = path.resolve(import.meta.dirname, "..");
const API_DIR = path.join(ROOT, "app", "api", "v1");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Every route file under app/api/v1 as "METHOD /path" (a [segment] becomes {segment}), read from its source. */
function routeOperations(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "route.ts") {
        const apiPath = "/" + path.relative(API_DIR, dir).split(path.sep).map((s) => s.replace(/^\[(.+)\]$/, "{$1}")).join("/");
        const text = fs.readFileSync(full, "utf8");
        for (const m of METHODS) if (new RegExp(`export const ${m}\\b`).test(text)) out.push(`${m} ${apiPath}`);
      }
    }
  };
  walk(API_DIR);
  return out.sort();
}

function documentedOperations(doc: ReturnType<typeof openApiDocument>): string[] {
  const paths = doc.paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
}

describe("the OpenAPI document and the routes", () => {
  const doc = openApiDocument("https://rampart.example.org");

  it("documents exactly the routes that exist (a missing or an extra one fails)", () => {
    const routes = routeOperations();
    expect(routes).toContain("GET /contacts");
    expect(documentedOperations(doc)).toEqual(routes);
  });

  it("has each handler built from the endpoint the document describes at that path and method", () => {
    const files = new Set(routeOperations().map((op) => op.split(" ")[1]));
    expect(new Set(Object.keys(apiRouteModules))).toEqual(files);
    for (const [apiPath, mod] of Object.entries(apiRouteModules))
      for (const [method, handler] of Object.entries(mod)) {
        if (!(METHODS as readonly string[]).includes(method)) continue;
        const endpoint = (handler as { endpoint?: { method: string; path: string } }).endpoint;
        expect(endpoint, `${method} ${apiPath}`).toMatchObject({ method, path: apiPath });
      }
  });

  it("is OpenAPI 3.1 with request bodies from the zod schemas (strict: no unknown fields)", () => {
    expect(doc.openapi).toBe("3.1.0");
    const post = (doc.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>>)["/contacts"]!.post!;
    const schema = post.requestBody!.content["application/json"]!.schema;
    expect(schema.required).toEqual(["name"]);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties as object)).toEqual(expect.arrayContaining(["name", "email", "phone", "tags", "assignedTo"]));
    expect(Object.keys(endpoints).length).toBe(documentedOperations(doc).length);
  });
});

describe("docs/api-matrix.md", () => {
  const file = path.join(ROOT, "docs", "api-matrix.md");

  it("carries exactly the table derived from the permission table", () => {
    if (process.env.UPDATE_DOCS === "1") {
      const current = fs.readFileSync(file, "utf8");
      fs.writeFileSync(file, current.replace(/<!-- matrix:start -->\n[\s\S]*?\n<!-- matrix:end -->/, `<!-- matrix:start -->\n${apiMatrixMarkdown()}\n<!-- matrix:end -->`).replace(/\*\*\d+ cells\*\*/, `**${apiMatrixCellCount} cells**`));
    }
    const doc = fs.readFileSync(file, "utf8");
    expect(/<!-- matrix:start -->\n([\s\S]*?)\n<!-- matrix:end -->/.exec(doc)?.[1]).toBe(apiMatrixMarkdown());
    expect(doc).toContain(`**${apiMatrixCellCount} cells**`);
    expect(apiMatrix.length).toBeGreaterThanOrEqual(15);
  });
});
