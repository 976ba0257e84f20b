import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Wall 2's promise that nobody can forget the guard: every route handler (app/**\/route.ts) and every
 * server action (a file whose directive prologue says "use server", or an inline "use server" function)
 * is built through one of the guard wrappers, or says on the line above why it is public. Static analysis
 * of the source text only: nothing from the app is imported.
 */

const ROOT = path.resolve(import.meta.dirname, "..");
const SKIP_DIRS = new Set(["node_modules", ".next", ".data", ".git", "test-results", "playwright-report", "coverage"]);

/** The guard wrappers and the only modules they may come from. */
const BASE_WRAPPERS: Record<string, string> = {
  publicRoute: "@/lib/http/route",
  publicAction: "@/lib/http/action",
  sessionAction: "@/lib/http/action",
  orgRoute: "@/lib/tenancy/guards",
  orgAction: "@/lib/tenancy/guards",
  apiRoute: "@/lib/api/route",
};

/** Under the campaign's paths only the campaign wrappers may build a handler: the others skip the membership check. */
const CAMPAIGN_PATHS = /^app\/(o|api\/o)\//;
const CAMPAIGN_WRAPPERS = new Set(["orgRoute", "orgAction"]);
/** The token API: only its own wrapper (bearer token, scope, no cookies), and that wrapper nowhere else. */
const API_PATHS = /^app\/api\/v1\//;

/** Wrappers defined in terms of the base ones, each in one named file; the walk checks that their body calls a base wrapper. */
const DERIVED_WRAPPERS: { name: string; file: string }[] = [
  { name: "staffAction", file: "app/staff/actions.ts" },
  { name: "staffAction", file: "app/staff/incidents/actions.ts" },
];

/** Exports a route file may carry besides handlers: Next's route segment config. */
const ROUTE_CONFIG_EXPORTS = new Set(["dynamic", "dynamicParams", "revalidate", "fetchCache", "runtime", "preferredRegion", "maxDuration"]);

const MARKER = /^\s*\/\/\s*route-guard:\s*public\s+(?:—|--?)\s+\S.{3,}$/;

type Offender = { file: string; line: number; name: string; why: string };
type Kind = "route" | "actions";

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (/\.(ts|tsx|js|jsx|mjs)$/.test(entry.name) && !/\.(test|spec)\.tsx?$/.test(entry.name)) out.push(full);
  }
  return out;
}

function hasUseServerDirective(statements: ts.NodeArray<ts.Statement> | readonly ts.Statement[]): boolean {
  for (const s of statements) {
    if (!ts.isExpressionStatement(s) || !ts.isStringLiteral(s.expression)) return false;
    if (s.expression.text === "use server") return true;
  }
  return false;
}

const isExported = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
const isDefaultExport = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);

/** Checks one source file; `relPath` decides which derived wrappers it may define. */
function checkSource(relPath: string, text: string, kind: Kind): Offender[] {
  const sf = ts.createSourceFile(relPath, text, ts.ScriptTarget.Latest, true, relPath.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const lines = text.split("\n");
  const offenders: Offender[] = [];
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
  const marked = (node: ts.Node) => {
    const above = lines[lineOf(node) - 1];
    return above !== undefined && MARKER.test(above);
  };
  const flag = (node: ts.Node, name: string, why: string) => {
    if (!marked(node)) offenders.push({ file: relPath, line: lineOf(node) + 1, name, why });
  };

  // Where each imported name comes from, and what each top-level const is initialised with.
  const importedFrom = new Map<string, string>();
  const locals = new Map<string, ts.Expression | "function" | "class">();
  for (const s of sf.statements) {
    if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.importClause?.namedBindings && ts.isNamedImports(s.importClause.namedBindings))
      for (const el of s.importClause.namedBindings.elements) importedFrom.set(el.name.text, s.moduleSpecifier.text + "#" + (el.propertyName ?? el.name).text);
    if (ts.isVariableStatement(s))
      for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) locals.set(d.name.text, d.initializer);
    if (ts.isFunctionDeclaration(s) && s.name) locals.set(s.name.text, "function");
    if (ts.isClassDeclaration(s) && s.name) locals.set(s.name.text, "class");
  }

  const derivedHere = new Set(DERIVED_WRAPPERS.filter((w) => w.file === relPath).map((w) => w.name));
  const isWrapper = (callee: string): boolean => {
    const base = BASE_WRAPPERS[callee];
    if (base && importedFrom.get(callee) === `${base}#${callee}`) return true;
    return derivedHere.has(callee) && locals.get(callee) === "function";
  };

  /** Why an expression is not a guarded handler, or null when it is built by a wrapper (following local aliases). */
  const unguarded = (expr: ts.Expression | "function" | "class" | undefined, seen = new Set<string>()): string | null => {
    if (expr === undefined) return "not defined in this file";
    if (expr === "function" || expr === "class") return "a plain function, not built through a guard wrapper";
    while (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isSatisfiesExpression(expr)) expr = expr.expression;
    if (ts.isIdentifier(expr)) {
      if (seen.has(expr.text)) return "circular alias";
      seen.add(expr.text);
      return unguarded(locals.get(expr.text), seen);
    }
    if (ts.isCallExpression(expr) && ts.isIdentifier(expr.expression)) {
      const callee = expr.expression.text;
      if (!isWrapper(callee)) return `built by ${callee}(), which is not a guard wrapper`;
      if (CAMPAIGN_PATHS.test(relPath) && !CAMPAIGN_WRAPPERS.has(callee)) return `built by ${callee}(), but campaign code must use orgAction or orgRoute`;
      if (API_PATHS.test(relPath) !== (callee === "apiRoute")) return API_PATHS.test(relPath) ? `built by ${callee}(), but /api/v1 must use apiRoute` : "apiRoute is for /api/v1 routes only";
      return null;
    }
    return "not built through a guard wrapper";
  };

  for (const s of sf.statements) {
    if (ts.isTypeAliasDeclaration(s) || ts.isInterfaceDeclaration(s)) continue;
    if (ts.isExportAssignment(s)) {
      flag(s, "default", "a default export is not built through a guard wrapper");
      continue;
    }
    if (ts.isExportDeclaration(s)) {
      if (s.isTypeOnly) continue;
      if (s.moduleSpecifier || !s.exportClause || !ts.isNamedExports(s.exportClause)) {
        flag(s, "*", "re-exports from another module cannot be checked here");
        continue;
      }
      for (const el of s.exportClause.elements) {
        if (el.isTypeOnly) continue;
        const exported = el.name.text;
        if (kind === "route" && ROUTE_CONFIG_EXPORTS.has(exported)) continue;
        const why = unguarded(locals.get((el.propertyName ?? el.name).text));
        if (why) flag(s, exported, why);
      }
      continue;
    }
    if (!isExported(s)) continue;
    if (ts.isFunctionDeclaration(s)) {
      flag(s, isDefaultExport(s) ? "default" : (s.name?.text ?? "default"), "a plain function, not built through a guard wrapper");
      continue;
    }
    if (ts.isClassDeclaration(s) || ts.isEnumDeclaration(s)) {
      flag(s, s.name?.text ?? "default", "only guarded handlers may be exported here");
      continue;
    }
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) {
        const name = ts.isIdentifier(d.name) ? d.name.text : d.name.getText(sf);
        if (kind === "route" && ROUTE_CONFIG_EXPORTS.has(name)) continue;
        const why = unguarded(d.initializer);
        if (why) flag(s, name, why);
      }
    }
  }

  // A derived wrapper must itself be built on a base wrapper.
  for (const name of derivedHere) {
    const decl = sf.statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name);
    if (!decl) continue;
    let callsBase = false;
    const visit = (n: ts.Node) => {
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && BASE_WRAPPERS[n.expression.text] && isWrapper(n.expression.text)) callsBase = true;
      ts.forEachChild(n, visit);
    };
    visit(decl);
    if (!callsBase) offenders.push({ file: relPath, line: lineOf(decl) + 1, name, why: "a derived wrapper that does not call a base guard wrapper" });
  }

  // Inline server actions ("use server" inside a function body) anywhere in the file.
  const visitInline = (n: ts.Node) => {
    if ((ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n)) && n.body && ts.isBlock(n.body) && hasUseServerDirective(n.body.statements))
      flag(n, (n as ts.FunctionDeclaration).name?.getText(sf) ?? "(inline)", "an inline server action; build it with a guard wrapper in an actions file");
    ts.forEachChild(n, visitInline);
  };
  visitInline(sf);
  return offenders;
}

function collect(): { routes: string[]; actions: string[]; offenders: Offender[] } {
  const routes: string[] = [];
  const actions: string[] = [];
  const offenders: Offender[] = [];
  for (const full of walk(ROOT)) {
    const rel = path.relative(ROOT, full).split(path.sep).join("/");
    const text = fs.readFileSync(full, "utf8");
    const isRoute = rel.startsWith("app/") && /\/route\.(ts|js)$/.test(rel);
    const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, false);
    const isActions = hasUseServerDirective(sf.statements);
    if (isRoute) routes.push(rel);
    if (isActions) actions.push(rel);
    if (isRoute || isActions) offenders.push(...checkSource(rel, text, isRoute ? "route" : "actions"));
    else if (text.includes("use server")) offenders.push(...checkSource(rel, text, "actions").filter((o) => o.why.startsWith("an inline server action")));
  }
  return { routes, actions, offenders };
}

const describeOffenders = (offenders: Offender[]) => offenders.map((o) => `${o.file}:${o.line} ${o.name}: ${o.why}`).join("\n");

describe("every route handler and server action goes through the guard", () => {
  it("finds no unguarded export in app/**/route.ts or any \"use server\" file", () => {
    const { routes, actions, offenders } = collect();
    // The walk must actually see the app, or an empty pass would prove nothing.
    expect(routes).toContain("app/api/o/[org]/activity/route.ts");
    expect(routes).toContain("app/api/v1/contacts/route.ts");
    expect(actions).toContain("app/o/[org]/volunteers/actions.ts");
    expect(routes.length).toBeGreaterThanOrEqual(5);
    expect(actions.length).toBeGreaterThanOrEqual(5);
    expect(describeOffenders(offenders), `unguarded handlers or actions:\n${describeOffenders(offenders)}`).toBe("");
  });

  it("every campaign page and layout runs the page guard itself (layouts and pages render in parallel)", () => {
    const pages = walk(path.join(ROOT, "app", "o")).filter((f) => /\/(page|layout)\.tsx$/.test(f));
    expect(pages.length).toBeGreaterThanOrEqual(4);
    const missing = pages.filter((f) => !/\brequireOrgAccess\(/.test(fs.readFileSync(f, "utf8"))).map((f) => path.relative(ROOT, f));
    expect(missing, "campaign pages without requireOrgAccess").toEqual([]);
  });

  it("every derived wrapper exists where the allow-list says", () => {
    for (const w of DERIVED_WRAPPERS) {
      const text = fs.readFileSync(path.join(ROOT, w.file), "utf8");
      expect(text, `${w.file} defines ${w.name}`).toMatch(new RegExp(`function ${w.name}\\b`));
    }
  });

  describe("the analysis itself", () => {
    const route = (body: string) => checkSource("app/api/x/route.ts", body, "route");
    const actions = (body: string, file = "app/x/actions.ts") => checkSource(file, `"use server";\n${body}`, "actions");
    const names = (o: Offender[]) => o.map((x) => x.name);

    it("accepts handlers built by a wrapper imported from its module, directly or through a local alias", () => {
      expect(route(`import { publicRoute } from "@/lib/http/route";\nexport const dynamic = "force-dynamic";\nexport const GET = publicRoute(async () => new Response());`)).toEqual([]);
      expect(route(`import { orgRoute } from "@/lib/tenancy/guards";\nconst h = orgRoute("org:view", async () => new Response());\nexport const GET = h;\nexport { h as POST };`)).toEqual([]);
      expect(actions(`import { orgAction } from "@/lib/tenancy/guards";\nexport const a = orgAction("members:manage", s, async () => ({}));`)).toEqual([]);
    });

    it("flags plain functions, foreign wrappers, look-alikes, re-exports and default exports", () => {
      expect(names(route(`export async function GET() { return new Response(); }`))).toEqual(["GET"]);
      expect(names(route(`export const POST = async () => new Response();`))).toEqual(["POST"]);
      expect(names(route(`function publicRoute(h) { return h; }\nexport const GET = publicRoute(async () => new Response());`))).toEqual(["GET"]);
      expect(names(route(`import { publicRoute } from "./elsewhere";\nexport const GET = publicRoute(async () => new Response());`))).toEqual(["GET"]);
      expect(names(route(`export { GET } from "./other";`))).toEqual(["*"]);
      expect(names(actions(`export default async function act() {}`))).toEqual(["default"]);
      expect(names(actions(`export async function steal(form) { return {}; }`))).toEqual(["steal"]);
      expect(names(actions(`import { sessionAction } from "@/lib/http/action";\nconst raw = async () => ({});\nexport { raw as act };`))).toEqual(["act"]);
    });

    it("refuses the session and public wrappers under the campaign's paths", () => {
      const session = `import { sessionAction } from "@/lib/http/action";\nexport const a = sessionAction(s, async () => ({}));`;
      expect(actions(session, "app/orgs/actions.ts")).toEqual([]);
      expect(names(actions(session, "app/o/[org]/contacts/actions.ts"))).toEqual(["a"]);
      expect(actions(session, "app/o/[org]/contacts/actions.ts")[0]?.why).toMatch(/must use orgAction or orgRoute/);
      const publicHandler = `import { publicRoute } from "@/lib/http/route";\nexport const GET = publicRoute(async () => new Response());`;
      expect(checkSource("app/api/health/route.ts", publicHandler, "route")).toEqual([]);
      expect(names(checkSource("app/api/o/[org]/contacts/route.ts", publicHandler, "route"))).toEqual(["GET"]);
      expect(actions(`import { orgAction } from "@/lib/tenancy/guards";\nexport const a = orgAction("org:view", s, async () => ({}));`, "app/o/[org]/x/actions.ts")).toEqual([]);
    });

    it("lets only apiRoute build /api/v1 handlers, and apiRoute nothing else", () => {
      const api = `import { apiRoute } from "@/lib/api/route";\nexport const GET = apiRoute(endpoints.listContacts, async () => ({}));`;
      expect(checkSource("app/api/v1/contacts/route.ts", api, "route")).toEqual([]);
      const publicHandler = `import { publicRoute } from "@/lib/http/route";\nexport const GET = publicRoute(async () => new Response());`;
      expect(checkSource("app/api/v1/contacts/route.ts", publicHandler, "route")[0]?.why).toMatch(/must use apiRoute/);
      expect(names(checkSource("app/api/v1/contacts/route.ts", `export async function GET() { return new Response(); }`, "route"))).toEqual(["GET"]);
      expect(checkSource("app/api/health/route.ts", api, "route")[0]?.why).toMatch(/only/);
    });

    it("flags an inline server action", () => {
      const o = checkSource("app/x/page.tsx", `export default function P() { async function go() { "use server"; } return null; }`, "actions");
      expect(o.map((x) => x.why)).toContainEqual(expect.stringContaining("inline server action"));
    });

    it("honours the public marker only with a reason, on the line right above", () => {
      expect(route(`// route-guard: public — the bench floor, answers only under RAMPART_BENCH=1\nexport function GET() { return new Response(); }`)).toEqual([]);
      expect(names(route(`// route-guard: public\nexport function GET() { return new Response(); }`))).toEqual(["GET"]);
      expect(names(route(`// route-guard: public — fine reason\n\nexport function GET() { return new Response(); }`))).toEqual(["GET"]);
    });

    it("accepts a derived wrapper only in its allow-listed file and only when it calls a base wrapper", () => {
      const good = `import { sessionAction } from "@/lib/http/action";\nfunction staffAction(s, b) { return sessionAction(s, async () => b()); }\nexport const a = staffAction(x, y);`;
      expect(actions(good, "app/staff/actions.ts")).toEqual([]);
      expect(names(actions(good, "app/other/actions.ts"))).toEqual(["a"]);
      const hollow = `function staffAction(s, b) { return async () => b(); }\nexport const a = staffAction(x, y);`;
      expect(names(actions(hollow, "app/staff/actions.ts"))).toEqual(["staffAction"]);
    });
  });
});
