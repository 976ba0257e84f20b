import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import argon2 from "argon2";
import { passwordHashOptions } from "../lib/auth/password";
import { DEFAULT_DEMO_PASSWORD } from "../lib/config";
import { buildIfNeeded } from "../scripts/lib/build";
import { fmt, markdownTable, type Harness, type HarnessResult } from "./lib/harness";
import { closeAgents, login, percentile, type LoginAttempt } from "./lib/login-client";
import type { FloodPlan, FloodStats } from "./lib/login-flood";
import { startProductionServer } from "./lib/server";

/**
 * DESIGN.md, Performance: a real person's login p95 while another process floods the login with wrong passwords at
 * 50 requests/s, against the same login with no flood, in one run on one production server: (a) the flood from one
 * address, (b) spread over 50 addresses (127.0.0.2–127.0.0.51), (c) aimed at the real person's own account from those
 * 50 addresses. The real person's browser keeps the device cookie its sign-ins leave (OWASP), as a browser does; the
 * limits are the defaults (10 per account, 100 per address per 15 min), so (c) locks the account within a second and
 * the same person without a device cookie is refused while it lasts (reported too).
 *
 * Every client is on loopback with its own 127.x source address (the server keys its per-address limits on it); the
 * real person uses a fresh address per phase so that their own logins never reach the per-address limit. Each flood is
 * a separate process that stops by itself after FLOOD_SECONDS (answers still missing DRAIN later are abandoned).
 * `--cpu-prof=DIR` writes the server's CPU profile (long main-thread tasks during a flood show there).
 */
const LOGINS = 30;
const WARMUP_LOGINS = 3;
const FLOOD_RATE = 50;
const FLOOD_SECONDS = 20;
const FLOOD_ADDRESSES = 50;
const LOCKED_OUT_PROBES = 3;
const MAX_IN_FLIGHT = 32;
const FLOOD_DRAIN_MS = 2_000;
const REQUEST_TIMEOUT_MS = 30_000;
const ARGON2_SAMPLES = 20;
const SETTLE_LIMIT_MS = 45_000;
const TARGET = 1.5;
const SERVER_LIMITS = { LOGIN_LIMIT_PER_ACCOUNT: "10", LOGIN_LIMIT_PER_ADDRESS: "100", LOGIN_LIMIT_WINDOW_SECONDS: "900" };

const REAL_PERSON = { email: "owner@demo.test", password: process.env.RAMPART_DEMO_PASSWORD || DEFAULT_DEMO_PASSWORD };
const ADDRESS = { warmup: "127.0.1.1", idle: "127.0.1.2", oneAddress: "127.0.1.3", manyAddresses: "127.0.1.4", ownAccount: "127.0.1.5", noCookie: "127.0.1.6", settle: "127.0.1.9" };
const attacker = "127.0.0.2";
const botnet = Array.from({ length: FLOOD_ADDRESSES }, (_, i) => `127.0.0.${i + 2}`);

const ratioText = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : "n/a");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function argon2VerifyMs(): Promise<{ median: number; min: number; max: number }> {
  const hash = await argon2.hash("a passphrase of four words", passwordHashOptions);
  await argon2.verify(hash, "warm up");
  const samples: number[] = [];
  for (let i = 0; i < ARGON2_SAMPLES; i++) {
    const t0 = performance.now();
    await argon2.verify(hash, `wrong guess ${i}`);
    samples.push(performance.now() - t0);
  }
  return { median: percentile(samples, 50), min: Math.min(...samples), max: Math.max(...samples) };
}

/** The production server with the demo accounts (see bench/lib/demo-accounts.cjs) and the limits above. */
async function startServerWithDemoAccounts(say: (line: string) => void, cpuProfDir?: string) {
  buildIfNeeded(say); // first, so that a build never runs with the preload below
  const saved = Object.fromEntries(["NODE_OPTIONS", ...Object.keys(SERVER_LIMITS)].map((k) => [k, process.env[k]]));
  const preload = path.join(process.cwd(), "bench", "lib", "demo-accounts.cjs");
  Object.assign(process.env, SERVER_LIMITS, { NODE_OPTIONS: `${saved.NODE_OPTIONS ?? ""} --require "${preload}"`.trim() });
  try {
    return await startProductionServer(say, process.cwd(), {}, cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(cpuProfDir)}`] : []);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The flood in its own process; resolves once its first request is out, then with its stats. */
function startFlood(plan: FloodPlan): { started: Promise<void>; done: Promise<FloodStats>; child: ChildProcess } {
  const root = process.cwd();
  const child = spawn(path.join(root, "node_modules", ".bin", "tsx"), [path.join(root, "bench", "lib", "login-flood.ts"), JSON.stringify(plan)], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    if (out.startsWith("started\n")) markStarted();
  });
  const budget = (plan.seconds + plan.timeoutMs / 1000 + 30) * 1000;
  const done = new Promise<FloodStats>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), budget);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      markStarted();
      if (code !== 0) return reject(new Error(`the flood process failed (${signal ?? `exit ${code}`})`));
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as FloodStats);
      } catch {
        reject(new Error(`the flood process printed no result: ${out.slice(0, 200)}`));
      }
    });
  });
  return { started, done, child };
}

/** The real person's browser: it sends the device cookie its last sign-in left, and keeps the new one. */
class Browser {
  deviceCookie: string | undefined;
  async login(origin: string, address: string): Promise<LoginAttempt> {
    const attempt = await login(origin, address, REAL_PERSON, REQUEST_TIMEOUT_MS, this.deviceCookie);
    if (attempt.deviceCookie) this.deviceCookie = attempt.deviceCookie;
    return attempt;
  }
  async logins(origin: string, address: string, count: number, until?: () => boolean): Promise<LoginAttempt[]> {
    const out: LoginAttempt[] = [];
    while (out.length < count && !(until?.() ?? false)) out.push(await this.login(origin, address));
    return out;
  }
}

/** The real person signs in over and over while the flood runs (at most LOGINS times), then a browser without a device cookie tries. */
async function underFlood(origin: string, browser: Browser, address: string, plan: FloodPlan): Promise<{ attempts: LoginAttempt[]; noCookie: LoginAttempt[]; flood: FloodStats }> {
  const flood = startFlood(plan);
  try {
    await flood.started;
    await sleep(1000); // the flood is established before the first measured login
    let over = false;
    void flood.done.then(
      () => (over = true),
      () => (over = true),
    );
    const attempts = await browser.logins(origin, address, LOGINS, () => over);
    const noCookie = over ? [] : await new Browser().logins(origin, ADDRESS.noCookie, LOCKED_OUT_PROBES, () => over);
    return { attempts, noCookie, flood: await flood.done };
  } finally {
    if (flood.child.exitCode === null) flood.child.kill("SIGKILL");
  }
}

/** Waits for the server to work off what a flood left queued: a login is about as quick as before. */
async function settle(origin: string, browser: Browser, baselineP50: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < SETTLE_LIMIT_MS) {
    const probe = await browser.login(origin, ADDRESS.settle);
    if (probe.signedIn && probe.ms < 2 * baselineP50) break;
    await sleep(500);
  }
  return (performance.now() - t0) / 1000;
}

type PhaseStats = { label: string; attempts: number; signedIn: number; p50: number; p95: number; max: number; postP50: number; errors: Record<string, number> };

function summarise(label: string, attempts: LoginAttempt[]): PhaseStats {
  const ms = attempts.map((a) => a.ms);
  const errors: Record<string, number> = {};
  for (const a of attempts.filter((x) => !x.signedIn)) {
    const key = a.failure ? "no answer" : `${a.status} ${a.error?.split(":")[0] ?? ""}`.trim();
    errors[key] = (errors[key] ?? 0) + 1;
  }
  return {
    label,
    attempts: attempts.length,
    signedIn: attempts.filter((a) => a.signedIn).length,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    max: percentile(ms, 100),
    postP50: percentile(
      attempts.map((a) => a.postMs),
      50,
    ),
    errors,
  };
}

export const loginBench: Harness = {
  name: "login",
  async run(say): Promise<HarnessResult> {
    say(`argon2id verify, ${ARGON2_SAMPLES} in-process samples…`);
    const verify = await argon2VerifyMs();
    say(`argon2id verify median ${fmt(verify.median)} ms`);

    const cpuProf = process.argv.find((a) => a.startsWith("--cpu-prof="))?.slice("--cpu-prof=".length);
    const server = await startServerWithDemoAccounts(say, cpuProf);
    say(`server up at ${server.origin} in ${server.startSeconds} s`);
    try {
      const browser = new Browser();
      const warm = await browser.logins(server.origin, ADDRESS.warmup, WARMUP_LOGINS);
      if (!warm.every((a) => a.signedIn))
        throw new Error(`the real person cannot sign in (${JSON.stringify(warm.map((a) => a.failure ?? `${a.status} ${a.error ?? ""}`))}); are the demo accounts there?`);
      if (!browser.deviceCookie) throw new Error("a successful sign-in left no device cookie");

      say(`idle: ${LOGINS} sequential logins…`);
      const idle = summarise("idle (no flood)", await browser.logins(server.origin, ADDRESS.idle, LOGINS));
      if (idle.signedIn !== idle.attempts) throw new Error(`logins failed without any flood: ${JSON.stringify(idle.errors)}`);

      const plan = (sourceAddresses: string[], email?: string): FloodPlan => ({
        origin: server.origin,
        ratePerSecond: FLOOD_RATE,
        seconds: FLOOD_SECONDS,
        sourceAddresses,
        maxInFlight: MAX_IN_FLIGHT,
        timeoutMs: REQUEST_TIMEOUT_MS,
        drainMs: FLOOD_DRAIN_MS,
        ...(email ? { email } : {}),
      });
      const scenarios = [
        { key: "a", label: `(a) ${FLOOD_RATE}/s from one address, random accounts`, address: ADDRESS.oneAddress, plan: plan([attacker]) },
        { key: "b", label: `(b) ${FLOOD_RATE}/s from ${FLOOD_ADDRESSES} addresses, random accounts`, address: ADDRESS.manyAddresses, plan: plan(botnet) },
        { key: "c", label: `(c) ${FLOOD_RATE}/s from ${FLOOD_ADDRESSES} addresses at the real person's account`, address: ADDRESS.ownAccount, plan: plan(botnet, REAL_PERSON.email) },
      ] as const;
      const results = [];
      for (const sc of scenarios) {
        say(`${sc.label} for ${FLOOD_SECONDS} s, logins meanwhile…`);
        const r = await underFlood(server.origin, browser, sc.address, sc.plan);
        const settled = await settle(server.origin, browser, idle.p50);
        const slowest = r.attempts.reduce<LoginAttempt | undefined>((m, a) => (m && m.ms >= a.ms ? m : a), undefined);
        const slowestText = slowest
          ? `; slowest login ${fmt(slowest.ms, 0)} ms (credentials POST ${fmt(slowest.postMs, 0)} ms), login ${r.attempts.indexOf(slowest) + 1} of ${r.attempts.length}`
          : "";
        say(`${sc.key}: p95 ${fmt(percentile(r.attempts.map((a) => a.ms), 95), 0)} ms${slowestText}; settled in ${fmt(settled)} s`);
        results.push({ ...sc, ...r, stats: summarise(sc.label, r.attempts), settled });
      }

      const ratio = (p: PhaseStats) => p.p95 / idle.p95;
      const cell = (n: number, digits = 0) => (Number.isFinite(n) ? fmt(n, digits) : "–");
      const floodRow = (label: string, f: FloodStats) => [
        label,
        f.sent,
        f.skippedAtCap,
        f.byStatus["401"] ?? 0,
        f.byStatus["429"] ?? 0,
        Object.entries(f.byStatus)
          .filter(([k]) => k !== "401" && k !== "429")
          .reduce((n, [, v]) => n + v, 0) + f.abandoned,
        fmt(f.answeredPerSecond),
        fmt(f.latencyMs.p95, 0),
      ];
      const c = results.find((r) => r.key === "c")!;
      const table = [
        markdownTable(
          ["Real person's login (csrf + credentials, device cookie kept)", "Logins", "Signed in", "p50 ms", "p95 ms", "max ms", "p95 / idle"],
          [idle, ...results.map((r) => r.stats)].map((p, i) => [p.label, p.attempts, p.signedIn, cell(p.p50), cell(p.p95), cell(p.max), i === 0 ? "1.00x" : `**${ratioText(ratio(p))}**`]),
        ),
        "",
        `The same person from a browser without a device cookie during (c): ${c.noCookie.filter((a) => a.signedIn).length} of ${c.noCookie.length} signed in ` +
          `(${c.noCookie.map((a) => a.status).join(", ") || "no attempt"}: the account is locked while the attack lasts; a password reset lets that browser in).`,
        "",
        markdownTable(
          ["Flood (wrong passwords)", "Sent", "Skipped at cap", "401", "429", "Failed / abandoned", "Answered/s", "Flood p95 ms"],
          results.map((r) => floodRow(r.label, r.flood)),
        ),
        "",
        `argon2id verify (m=${passwordHashOptions.memoryCost} KiB, t=${passwordHashOptions.timeCost}, p=${passwordHashOptions.parallelism}) on this machine, in-process: ` +
          `**median ${fmt(verify.median)} ms** over ${ARGON2_SAMPLES} (min ${fmt(verify.min)}, max ${fmt(verify.max)}); the credentials POST alone takes ${fmt(idle.postP50, 0)} ms (p50) idle.`,
        "",
        `\`next start\` production build on PGlite (fresh, demo accounts), one Node process; ${LOGINS} sequential logins idle, and as many as fit (at most ${LOGINS}) while each flood runs, ` +
          `${WARMUP_LOGINS} warm-up logins. Floods: a separate process each, ${FLOOD_RATE} req/s for ${FLOOD_SECONDS} s, at most ${MAX_IN_FLIGHT} in flight. Default limits ` +
          `(per account ${SERVER_LIMITS.LOGIN_LIMIT_PER_ACCOUNT}, per address ${SERVER_LIMITS.LOGIN_LIMIT_PER_ADDRESS}, per ${Number(SERVER_LIMITS.LOGIN_LIMIT_WINDOW_SECONDS) / 60} min). ` +
          `All traffic on loopback. Settled after the floods in ${results.map((r) => `${fmt(r.settled)} s`).join(", ")}.`,
      ].join("\n");
      const ratios = Object.fromEntries(results.map((r) => [r.key, ratio(r.stats)]));
      return {
        name: "login",
        table,
        ratio:
          `ratio: login p95 under a ${FLOOD_RATE} req/s wrong-password flood vs idle (target ≤ ${TARGET}x) = ` +
          results.map((r) => `${ratioText(ratio(r.stats))} (${r.key}: ${r.key === "a" ? "one address" : r.key === "b" ? `${FLOOD_ADDRESSES} addresses` : "at the person's own account"})`).join(", ") +
          `; argon2id verify ${fmt(verify.median)} ms`,
        data: {
          settings: { logins: LOGINS, warmupLogins: WARMUP_LOGINS, floodRate: FLOOD_RATE, floodSeconds: FLOOD_SECONDS, floodAddresses: FLOOD_ADDRESSES, maxInFlight: MAX_IN_FLIGHT, drainMs: FLOOD_DRAIN_MS, serverLimits: SERVER_LIMITS },
          argon2: { ...verify, params: passwordHashOptions },
          serverStartSeconds: server.startSeconds,
          built: server.built,
          phases: [idle, ...results.map((r) => r.stats)],
          floods: Object.fromEntries(results.map((r) => [r.key, r.flood])),
          lockedOutWithoutDeviceCookie: c.noCookie.map((a) => ({ status: a.status, signedIn: a.signedIn })),
          ratios,
        },
      };
    } finally {
      closeAgents();
      await server.stop();
    }
  },
};
