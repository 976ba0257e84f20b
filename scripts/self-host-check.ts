import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { selfHostSteps } from "./lib/self-host";
import { probeTcp } from "./lib/probe";

/**
 * Follows docs/self-hosting.md "Without Docker" on this machine: a scratch database on the local PostgreSQL, the
 * local Redis, generated keys, `npm run migrate`, then `npm start` (RAMPART_BACKGROUND=off) and `npm run worker`,
 * and checks liveness, readiness, /api/health and /api/metrics. Skips (exit 0) when PostgreSQL or Redis is not on
 * loopback. Everything it starts is stopped and the scratch database dropped, whatever happens.
 */
const say = (line: string) => console.log(`[self-host] ${line}`);
const root = process.cwd();
const START_TIMEOUT_MS = Number(process.env.SELF_HOST_START_TIMEOUT_MS ?? 600_000);
const OVERALL_TIMEOUT_MS = START_TIMEOUT_MS + 180_000;

const pgBase = new URL(process.env.RAMPART_TEST_PG_URL ?? `postgres://${os.userInfo().username}@127.0.0.1:5432/test`);
const redisUrl = new URL(process.env.RAMPART_TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
const isLoopback = (host: string) => host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);


function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgBase.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

type Service = { name: string; child: ChildProcess; log: string };

/** `npm …` in its own process group (npm → tsx → node), so stopping it stops the whole tree. */
function startService(name: string, command: string, env: NodeJS.ProcessEnv, dir: string): Service {
  const log = path.join(dir, `${name}.log`);
  const out = fs.openSync(log, "a");
  const [bin, ...args] = command.split(" ");
  const child = spawn(bin!, args, { cwd: root, env, detached: true, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  return { name, child, log };
}

async function stopService(service: Service): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone already
    }
  };
  signalGroup("SIGTERM");
  const timer = setTimeout(() => signalGroup("SIGKILL"), 10_000);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  clearTimeout(timer);
  signalGroup("SIGKILL"); // grandchildren that outlived their parent
}

const tail = (file: string, lines = 30) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "(no output)");

async function waitFor(url: string, service: Service, timeoutMs: number, headers: Record<string, string> = {}): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`${service.name} exited with code ${service.child.exitCode} before ${url} answered`);
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
      if (res.ok) return res;
      last = `HTTP ${res.status}`;
    } catch {
      last = "not listening";
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${url} did not answer 200 within ${Math.round(timeoutMs / 1000)} s (last: ${last})`);
}

async function main(): Promise<number> {
  if (!isLoopback(pgBase.hostname) || !isLoopback(redisUrl.hostname)) {
    say(`skipped: PostgreSQL (${pgBase.hostname}) and Redis (${redisUrl.hostname}) must both be on loopback`);
    return 0;
  }
  const [pgUp, redisUp] = await Promise.all([probeTcp(pgBase.hostname, Number(pgBase.port || 5432)), probeTcp(redisUrl.hostname, Number(redisUrl.port || 6379))]);
  if (!pgUp || !redisUp) {
    say(`skipped: ${!pgUp ? `no PostgreSQL on ${pgBase.host}` : ""}${!pgUp && !redisUp ? " and " : ""}${!redisUp ? `no Redis on ${redisUrl.host}` : ""}`);
    return 0;
  }

  const database = `rampart_selfhost_${randomBytes(5).toString("hex")}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-self-host-"));
  const services: Service[] = [];
  let created = false;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await Promise.all(services.map(stopService));
      if (created) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch((err: unknown) => say(`could not drop ${database}: ${String(err)}`));
      fs.rmSync(dir, { recursive: true, force: true });
    })());
  const overall = setTimeout(() => {
    say(`gave up after ${Math.round(OVERALL_TIMEOUT_MS / 1000)} s`);
    void cleanup().finally(() => process.exit(1));
  }, OVERALL_TIMEOUT_MS);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void cleanup().finally(() => process.exit(1)));

  try {
    await admin((c) => c.query(`CREATE DATABASE ${database}`));
    created = true;
    const dbUrl = new URL(pgBase);
    dbUrl.pathname = `/${database}`;
    const port = await freePort();
    const metricsToken = randomBytes(32).toString("hex");
    // The environment docs/self-hosting.md tells the operator to set, with the values generated as it says.
    const documented: Record<(typeof selfHostSteps.env)[number], string> = {
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL: redisUrl.toString(),
      RAMPART_MASTER_KEYS: `k1:${randomBytes(32).toString("base64")}`,
      AUTH_SECRET: randomBytes(32).toString("base64"),
      RAMPART_BACKGROUND: "off",
      APP_URL: `http://127.0.0.1:${port}`,
      METRICS_TOKEN: metricsToken,
    };
    // A server's shell: production, whatever this process runs under (npm start sets the same for the app).
    const env: NodeJS.ProcessEnv = { ...process.env, ...documented, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", RAMPART_DATA_DIR: path.join(dir, "data"), NEXT_TELEMETRY_DISABLED: "1" };

    say(`${selfHostSteps.migrate} (scratch database ${database})`);
    const [bin, ...args] = selfHostSteps.migrate.split(" ");
    const migrate = spawnSync(bin!, args, { cwd: root, env, encoding: "utf8", timeout: 120_000 });
    if (migrate.status !== 0) throw new Error(`${selfHostSteps.migrate} failed:\n${migrate.stdout}${migrate.stderr}`);

    say(`${selfHostSteps.app} and ${selfHostSteps.worker} (RAMPART_BACKGROUND=off, Redis rate limits)`);
    const app = startService("app", selfHostSteps.app, env, dir);
    services.push(app, startService("worker", selfHostSteps.worker, env, dir));
    const origin = documented.APP_URL;
    for (const probe of selfHostSteps.probes) {
      const res = await waitFor(`${origin}${probe}`, app, START_TIMEOUT_MS);
      say(`${probe}: ${res.status} ${JSON.stringify(await res.json())}`);
    }
    const ready = (await (await fetch(`${origin}/api/health/ready`)).json()) as { checks: { database: { kind: string }; rateLimits: { kind: string } } };
    if (ready.checks.database.kind !== "pg" || ready.checks.rateLimits.kind !== "redis") throw new Error(`expected PostgreSQL and Redis, got ${JSON.stringify(ready.checks)}`);
    const health = await fetch(`${origin}/api/health`);
    if (health.status !== 200 || ((await health.json()) as { status: string }).status !== "ok") throw new Error(`/api/health answered ${health.status}`);
    const metrics = await fetch(`${origin}/api/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    if (metrics.status !== 200 || !(await metrics.text()).includes('rampart_component_up{component="database"} 1')) throw new Error(`/api/metrics answered ${metrics.status} without the readiness gauges`);
    if ((await fetch(`${origin}/api/metrics`)).status !== 401) throw new Error("/api/metrics answered without the token");

    const worker = services[1]!;
    await new Promise((r) => setTimeout(r, 2000));
    if (worker.child.exitCode !== null) throw new Error(`${selfHostSteps.worker} exited with code ${worker.child.exitCode}`);
    if (!fs.readFileSync(worker.log, "utf8").includes("Worker running")) throw new Error(`${selfHostSteps.worker} did not report running`);
    say("passed: migrate, app ready on PostgreSQL and Redis, worker running, health and metrics answer");
    return 0;
  } catch (err) {
    say(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
    for (const s of services) console.log(`--- last lines of ${s.name}:\n${tail(s.log)}`);
    return 1;
  } finally {
    clearTimeout(overall);
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
