import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildIfNeeded } from "./lib/build";
import { probeTcp } from "./lib/probe";

/**
 * `npm test`: unit and integration suites (vitest) on every backend this machine offers, then the
 * Playwright suite against a production build in Chromium. Ends with one line: N passed, N failed[, N skipped].
 */
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const say = (line: string) => console.log(`[test] ${line}`);
const root = process.cwd();
const results = path.join(root, "test-results");

type Env = Record<string, string | undefined>;
type Tally = { name: string; passed: number; failed: number; skipped: number; ok: boolean };


async function detectBackends(): Promise<Env> {
  const env: Env = {};
  const pgUrl = process.env.RAMPART_TEST_PG_URL ?? `postgres://${os.userInfo().username}@127.0.0.1:5432/test`;
  const pgTarget = new URL(pgUrl);
  if (await probeTcp(pgTarget.hostname, Number(pgTarget.port || 5432))) {
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query("select 1");
      env.RAMPART_TEST_PG_URL = pgUrl;
      env.RAMPART_TEST_NEON = "1";
    } catch {
      say(`PostgreSQL answers on ${pgTarget.host} but not to ${pgTarget.username}@${pgTarget.pathname.slice(1)}: skipping it`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const redisUrl = process.env.RAMPART_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
  const redisTarget = new URL(redisUrl);
  if (await probeTcp(redisTarget.hostname, Number(redisTarget.port || 6379))) env.RAMPART_TEST_REDIS_URL = redisUrl;
  return env;
}

function run(command: string, args: string[], env: Env): number {
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env } });
  return result.status ?? 1;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

function runVitest(env: Env): Tally {
  const out = path.join(results, "vitest.json");
  fs.rmSync(out, { force: true });
  const code = run(path.join(root, "node_modules/.bin/vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile=${out}`], env);
  const report = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }>(out);
  if (!report) return { name: "unit+integration (vitest)", passed: 0, failed: 1, skipped: 0, ok: false };
  return {
    name: "unit+integration (vitest)",
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
    ok: code === 0,
  };
}

function chromiumEnv(): Env {
  const candidates = [process.env.PLAYWRIGHT_CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean) as string[];
  const found = candidates.find((c) => fs.existsSync(c));
  if (found) return { PLAYWRIGHT_CHROMIUM_PATH: found };
  if (process.getuid?.() === 0 && fs.existsSync("/usr/bin/apt-get")) {
    say("Chromium not found: installing Debian's chromium package with apt-get (one time)…");
    run("apt-get", ["update", "-qq"], {});
    run("apt-get", ["install", "-y", "-qq", "chromium"], { DEBIAN_FRONTEND: "noninteractive" });
    if (fs.existsSync("/usr/bin/chromium")) return { PLAYWRIGHT_CHROMIUM_PATH: "/usr/bin/chromium" };
  }
  say("Chromium not found: trying `npx playwright install chromium`…");
  run(path.join(root, "node_modules/.bin/playwright"), ["install", "chromium"], {});
  return { PLAYWRIGHT_USE_BUNDLED: "1" };
}

function runPlaywright(): Tally {
  const name = "browser (Playwright, Chromium)";
  const out = path.join(results, "playwright.json");
  fs.rmSync(out, { force: true });
  const env = chromiumEnv();
  try {
    buildIfNeeded(say);
  } catch {
    return { name, passed: 0, failed: 1, skipped: 0, ok: false };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-e2e-"));
  try {
    const code = run(path.join(root, "node_modules/.bin/playwright"), ["test"], { ...env, E2E_DATA_DIR: dataDir });
    const report = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(out);
    if (!report) return { name, passed: 0, failed: 1, skipped: 0, ok: false };
    const { expected, unexpected, flaky, skipped } = report.stats;
    return { name, passed: expected, failed: unexpected + flaky, skipped, ok: code === 0 };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  fs.mkdirSync(results, { recursive: true });
  const backendEnv = await detectBackends();
  const backends = ["PGlite (embedded)"];
  if (backendEnv.RAMPART_TEST_PG_URL) backends.push("PostgreSQL (node-postgres)", "PostgreSQL via the Neon driver (WebSocket bridge)");
  if (backendEnv.RAMPART_TEST_REDIS_URL) backends.push("Redis (@upstash/ratelimit adapter)");
  say(`Backends for the integration suites: ${backends.join(", ")}`);

  const tallies: Tally[] = [];
  if (only !== "e2e") tallies.push(runVitest(backendEnv));
  if (only !== "unit") tallies.push(runPlaywright());

  console.log("");
  say(`Backends: ${backends.join(", ")}; browser tests ran against the embedded default.`);
  for (const t of tallies) say(`${t.name}: ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ""}${t.ok ? "" : " (suite failed)"}`);
  const sum = (k: "passed" | "failed" | "skipped") => tallies.reduce((n, t) => n + t[k], 0);
  const failed = sum("failed") + tallies.filter((t) => !t.ok && t.failed === 0).length;
  const skipped = sum("skipped");
  console.log(`${sum("passed")} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  process.exit(failed > 0 || sum("passed") === 0 ? 1 : 0);
}

void main();
