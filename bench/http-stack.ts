import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import path from "node:path";
import type { LoadStats } from "./load";
import { fmt, markdownTable, runLoad, type Harness } from "./lib/harness";
import { closeAgents, login } from "./lib/login-client";
import { buildIfNeeded } from "../scripts/lib/build";
import { startProductionServer, type BenchServer } from "./lib/server";
import { BENCH_PG_URL } from "./lib/backends";
import { createScratchDatabase, type ScratchDatabase } from "@/lib/testing/scratch-database";

/**
 * DESIGN.md, Performance: what the security stack costs on a real member route against the same read without it.
 *
 * - stack: `GET /api/o/demo-campaign/activity` (the dashboard's live feed) as a signed-in campaign admin: middleware
 *   (Edge runtime: CSP nonce, security headers, request id), the session cookie checked against its row, the guard
 *   (campaign, membership, settings through wall 3, permission, 2FA policy) and the feed read in a tenant transaction.
 * - bare: `GET /api/bench/bare/activity` — the same feed read (same lib function, same page size) in a plain
 *   transaction as the connecting role: no middleware (excluded by its matcher), no session, no guard, no RLS.
 * - middleware: `GET /api/bench/middleware/activity` — the bare read with middleware.ts in front of it (its headers
 *   checked), so each run splits the stack's cost: middleware alone (middleware / bare), and the session, guard and
 *   RLS behind it (stack / middleware). A checkout given by --before that lacks the route is measured without it.
 *
 * Both run against one production server (demo data, fresh PGlite) in one run, in alternating order. Both answers
 * are checked first: the same items, the stack's middleware headers, and a 401 for the stack route without the cookie.
 * `--before=DIR` also starts a server of another checkout (the code before a change, which needs the bare feed route
 * too) and loads all four routes in one alternating plan, so a change is measured before and after in one run.
 * `--cpu-prof=DIR` writes the servers' CPU profiles. `--pg` runs every server on PostgreSQL instead (a scratch database
 * of its own on the server RAMPART_BENCH_PG_URL or RAMPART_TEST_PG_URL names, dropped afterwards), as production does.
 */
const CONNECTIONS = 10;
const WARMUP_SECONDS = 3;
const SECONDS = 5;
const ROUNDS = 4;
const DEMO_PASSWORD = process.env.RAMPART_DEMO_PASSWORD ?? "orange-lantern-harbor-42";
const MEMBER = "admin@demo.test";
const ORG = "demo-campaign";

type Probe = { status: number; requestId: boolean; nonceCsp: boolean; items: number };

async function probe(url: string, headers: Record<string, string> = {}): Promise<Probe> {
  const res = await fetch(url, { headers, redirect: "manual", signal: AbortSignal.timeout(10_000) });
  const body = (await res.json().catch(() => null)) as { items?: unknown[] } | null;
  return {
    status: res.status,
    requestId: res.headers.has("x-request-id"),
    nonceCsp: /'nonce-[^']+'/.test(res.headers.get("content-security-policy") ?? ""),
    items: Array.isArray(body?.items) ? body.items.length : -1,
  };
}

type Measured = { label: string; bare: LoadStats; middleware?: LoadStats; stack: LoadStats; items: number; startSeconds: number; built: boolean };
type Prepared = {
  label: string;
  server: BenchServer;
  bareUrl: string;
  middlewareUrl?: string;
  stackUrl: string;
  cookie: string;
  bareHeaders: Record<string, string>;
  items: number;
};

/** A production server of one checkout with a signed-in member, both routes checked to take the path they claim. */
async function prepare(say: (line: string) => void, root: string, label: string, cpuProfDir?: string, pgUrl?: string): Promise<Prepared> {
  const overrides: Record<string, string> = { RAMPART_DEMO: "1", RAMPART_BACKGROUND: "off", AUTH_SECRET: randomBytes(32).toString("base64url") };
  let scratch: ScratchDatabase | undefined;
  if (pgUrl) {
    scratch = await createScratchDatabase(pgUrl, "rampart_bench_http");
    Object.assign(overrides, { DATABASE_URL: scratch.url, RAMPART_MASTER_KEYS: `bench:${randomBytes(32).toString("base64")}` });
    // The demo data loads by itself only into an embedded database: the checkout's own seed script loads it here.
    const seeded = spawnSync(path.join(root, "node_modules", ".bin", "tsx"), ["--conditions=react-server", "scripts/seed-demo.ts"], {
      cwd: root,
      env: { ...process.env, ...overrides, NEXT_TELEMETRY_DISABLED: "1" },
      encoding: "utf8",
    });
    if (seeded.status !== 0) {
      await scratch.drop();
      throw new Error(`${label}: the demo data did not load into PostgreSQL: ${(seeded.stderr || seeded.stdout).trim().split("\n").slice(-3).join(" ")}`);
    }
  }
  const nodeArgs = cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(cpuProfDir, label)}`] : [];
  let server: BenchServer;
  try {
    server = await startProductionServer(say, root, overrides, nodeArgs);
  } catch (err) {
    await scratch?.drop();
    throw err;
  }
  if (scratch) {
    const stopServer = server.stop;
    const db = scratch;
    server = { ...server, stop: async () => (await stopServer(), await db.drop()) };
  }
  say(`${label}: server up at ${server.origin} in ${server.startSeconds} s (${root}${scratch ? `, PostgreSQL database ${scratch.name}` : ""})`);
  try {
    const signedIn = await login(server.origin, "127.0.0.1", { email: MEMBER, password: DEMO_PASSWORD });
    if (!signedIn.sessionCookie) throw new Error(`could not sign in as ${MEMBER} (${signedIn.error ?? signedIn.failure ?? signedIn.status})`);
    const cookie = signedIn.sessionCookie;
    const stackUrl = `${server.origin}/api/o/${ORG}/activity?limit=20`;
    const bareUrl = `${server.origin}/api/bench/bare/activity?org=${ORG}&as=${encodeURIComponent(MEMBER)}&limit=20`;

    // The comparison only means something if each route takes the path it claims and both read the same page.
    const bareHeaders = { "x-rampart-bench-secret": server.benchSecret };
    // This checkout's baseline answers only to the bench (an older checkout given by --before may predate the secret).
    const unsigned = await probe(bareUrl);
    if (path.resolve(root) === process.cwd() && unsigned.status !== 404) throw new Error(`bare without the bench secret: expected 404, got ${unsigned.status}`);
    const bare = await probe(bareUrl, bareHeaders);
    if (bare.status !== 200 || bare.requestId || bare.nonceCsp || bare.items < 1)
      throw new Error(`bare: expected 200 with feed items and no middleware headers; got ${bare.status}, ${bare.items} items, request id ${bare.requestId}, nonce CSP ${bare.nonceCsp}`);
    const middlewareUrl = bareUrl.replace("/api/bench/bare/", "/api/bench/middleware/");
    const behind = await probe(middlewareUrl, bareHeaders);
    const hasMiddlewareRoute = behind.status !== 404 || path.resolve(root) === process.cwd();
    if (hasMiddlewareRoute && (behind.status !== 200 || !behind.requestId || !behind.nonceCsp || behind.items !== bare.items))
      throw new Error(`middleware: expected 200 through middleware with ${bare.items} items; got ${behind.status}, ${behind.items} items, request id ${behind.requestId}, nonce CSP ${behind.nonceCsp}`);
    const stack = await probe(stackUrl, { cookie });
    if (stack.status !== 200 || !stack.requestId || !stack.nonceCsp || stack.items !== bare.items)
      throw new Error(`stack: expected 200 through middleware with ${bare.items} items; got ${stack.status}, ${stack.items} items, request id ${stack.requestId}, nonce CSP ${stack.nonceCsp}`);
    const anonymous = await probe(stackUrl);
    if (anonymous.status !== 401) throw new Error(`stack without the session cookie: expected 401, got ${anonymous.status}`);
    return { label, server, bareUrl, middlewareUrl: hasMiddlewareRoute ? middlewareUrl : undefined, stackUrl, cookie, bareHeaders, items: stack.items };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/**
 * Every route of every checkout in one load plan: the rounds alternate the order of all targets (A B C D, D C B A, …),
 * so a drift in the shared machine's load during the run favours neither route nor checkout. Idle servers wait.
 */
async function measure(say: (line: string) => void, checkouts: Array<{ root: string; label: string }>, cpuProfDir?: string, pgUrl?: string): Promise<Measured[]> {
  const prepared: Prepared[] = [];
  try {
    for (const c of checkouts) prepared.push(await prepare(say, c.root, c.label, cpuProfDir, pgUrl));
    const targets = prepared.flatMap((p) => [
      { name: `${p.label}:bare`, url: p.bareUrl, headers: p.bareHeaders },
      ...(p.middlewareUrl ? [{ name: `${p.label}:middleware`, url: p.middlewareUrl, headers: p.bareHeaders }] : []),
      { name: `${p.label}:stack`, url: p.stackUrl, headers: { cookie: p.cookie } },
    ]);
    say(`${prepared[0]!.items} feed items per answer; load: ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up each, then ${ROUNDS}×${SECONDS} s per route, the order of all ${targets.length} routes alternating…`);
    const stats = await runLoad({
      targets,
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_SECONDS,
      seconds: SECONDS,
      rounds: ROUNDS,
    });
    for (const s of stats) {
      if (s.non2xx > 0 || s.errors > 0 || s.responses === 0) throw new Error(`${s.name}: ${s.non2xx} non-2xx responses, ${s.errors} errors (${s.timeouts} timeouts) under load`);
    }
    const by = (name: string) => stats.find((s) => s.name === name)!;
    return prepared.map((p) => ({
      label: p.label,
      bare: by(`${p.label}:bare`),
      middleware: p.middlewareUrl ? by(`${p.label}:middleware`) : undefined,
      stack: by(`${p.label}:stack`),
      items: p.items,
      startSeconds: p.server.startSeconds,
      built: p.server.built,
    }));
  } finally {
    closeAgents();
    for (const p of prepared) await p.server.stop();
  }
}

const ratioOf = (a: LoadStats, b: LoadStats) => ({
  throughput: a.requestsPerSecond / b.requestsPerSecond,
  p50: a.latencyMs.p50 / b.latencyMs.p50,
  p95: a.latencyMs.p95 / b.latencyMs.p95,
  p99: a.latencyMs.p99 / b.latencyMs.p99,
});
const ratios = (m: Measured) => ratioOf(m.stack, m.bare);
/** The stack's cost split: middleware alone against the bare read, then the session, guard and RLS behind middleware. */
const split = (m: Measured) => (m.middleware ? { middleware: ratioOf(m.middleware, m.bare), behindMiddleware: ratioOf(m.stack, m.middleware) } : null);

export const httpStack: Harness = {
  name: "http-stack",
  async run(say) {
    const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
    const before = arg("before");
    const cpuProf = arg("cpu-prof");
    const onPostgres = process.argv.includes("--pg");
    if (onPostgres && !BENCH_PG_URL) throw new Error("--pg needs RAMPART_BENCH_PG_URL (or RAMPART_TEST_PG_URL) to name a PostgreSQL server");
    // Both builds first, so no build runs while either checkout is measured.
    for (const root of before ? [path.resolve(before), process.cwd()] : [process.cwd()]) buildIfNeeded(say, root);
    const runs = await measure(say, [...(before ? [{ root: path.resolve(before), label: "before" }] : []), { root: process.cwd(), label: before ? "after" : "this checkout" }], cpuProf, onPostgres ? BENCH_PG_URL : undefined);

    const row = (label: string, s: LoadStats) => [label, fmt(s.requestsPerSecond, 0), fmt(s.latencyMs.p50, 2), fmt(s.latencyMs.p95, 2), fmt(s.latencyMs.p99, 2)];
    const ratioRow = (label: string, r: ReturnType<typeof ratioOf>, bold = false) => {
      const b = (x: string) => (bold ? `**${x}**` : x);
      return [b(label), b(`${r.throughput.toFixed(2)}x`), `${r.p50.toFixed(2)}x`, b(`${r.p95.toFixed(2)}x`), `${r.p99.toFixed(2)}x`];
    };
    const rows = runs.flatMap((m) => {
      const parts = split(m);
      return [
        row(`${m.label}: bare feed read (\`/api/bench/bare/activity\`)`, m.bare),
        ...(m.middleware ? [row(`${m.label}: the bare read behind middleware.ts (\`/api/bench/middleware/activity\`)`, m.middleware)] : []),
        row(`${m.label}: \`/api/o/[org]/activity\` through the stack`, m.stack),
        ratioRow(`${m.label}: stack / bare`, ratios(m), true),
        ...(parts
          ? [ratioRow(`${m.label}: middleware alone (behind middleware / bare)`, parts.middleware), ratioRow(`${m.label}: session, guard and RLS (stack / behind middleware)`, parts.behindMiddleware)]
          : []),
      ];
    });
    const table = [
      markdownTable(["Route", "Requests/s", "p50 ms", "p95 ms", "p99 ms"], rows),
      "",
      `${runs[0]!.items} feed items per answer as ${MEMBER}; autocannon, ${CONNECTIONS} connections from a separate process on the same machine, ${WARMUP_SECONDS} s warm-up, ` +
        `${ROUNDS}×${SECONDS} s per route in alternating order (A B C D, D C B A, …) across all routes of the run; \`next start\` production build, demo data in a fresh ${onPostgres ? "PostgreSQL database (node-postgres, loopback)" : "PGlite"}. Target: stack ≥ 0.8x throughput, ≤ 1.3x p95.`,
    ].join("\n");
    const last = runs.at(-1)!;
    const r = ratios(last);
    const first = runs.length > 1 ? ratios(runs[0]!) : null;
    const parts = split(last);
    return {
      name: "http-stack",
      table,
      ratio:
        `ratio: member feed route through the stack${onPostgres ? " (PostgreSQL)" : ""} = ${r.throughput.toFixed(2)}x bare throughput, p95 ${r.p95.toFixed(2)}x` +
        (first ? ` (before: ${first.throughput.toFixed(2)}x, p95 ${first.p95.toFixed(2)}x)` : "") +
        (parts
          ? `; middleware alone ${parts.middleware.throughput.toFixed(2)}x (p95 ${parts.middleware.p95.toFixed(2)}x), session + guard + RLS behind it ${parts.behindMiddleware.throughput.toFixed(2)}x (p95 ${parts.behindMiddleware.p95.toFixed(2)}x)`
          : ""),
      data: {
        settings: { connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS, rounds: ROUNDS, order: "ABBA", member: MEMBER, database: onPostgres ? "postgresql" : "pglite" },
        runs: runs.map((m) => ({ ...m, ratios: ratios(m), split: split(m) })),
      },
    };
  },
};
