import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseConfig } from "@/lib/config";
import { ensureEmbeddedSecrets, secretsAsEnv } from "@/lib/keys";
import { lockDataDirectory } from "@/lib/db/lock";
import { demoAccounts } from "@/db/seed/demo";
import { buildIfNeeded } from "./lib/build";
import { runCli } from "./lib/cli";

const dev = process.argv.includes("--dev");
const say = (line: string) => console.log(`[rampart] ${line}`);

async function waitForHealth(url: string, child: { exitCode: number | null }, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function main(): Promise<void> {
  const config = parseConfig();
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_ENV: dev ? "development" : "production",
    APP_URL: config.appUrl,
    NEXTAUTH_URL: config.appUrl,
  };
  if (config.embedded) {
    Object.assign(childEnv, secretsAsEnv(ensureEmbeddedSecrets(config)));
    // Fail here, before building, if another process holds the embedded database.
    lockDataDirectory(config.database.kind === "pglite" ? config.database.dataDir : "").release();
  }
  if (!dev) buildIfNeeded(say);

  const bin = (name: string) => path.join(process.cwd(), "node_modules", ".bin", name);
  // Production runs scripts/serve.ts (Next behind a server that vouches for the client address); dev runs next dev.
  const child = dev
    ? spawn(bin("next"), ["dev", "-p", String(config.port), "-H", config.host], { stdio: "inherit", env: childEnv })
    : spawn(bin("tsx"), [path.join("scripts", "serve.ts")], { stdio: "inherit", env: childEnv });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

  if (await waitForHealth(`http://127.0.0.1:${config.port}/api/health`, child)) {
    say(`Rampart is running at ${config.appUrl}`);
    if (config.demo.enabled) {
      say(`Demo accounts (password: ${config.demo.password === process.env.RAMPART_DEMO_PASSWORD ? "as set in RAMPART_DEMO_PASSWORD" : config.demo.password}):`);
      for (const a of demoAccounts) say(`  ${a.email.padEnd(22)} ${a.staff ? "platform staff" : `${a.role} of ${a.org}`}`);
    }
    say("Press Ctrl+C to stop.");
  } else if (child.exitCode === null) {
    say(`The server did not report healthy at ${config.appUrl}/api/health; see the log above.`);
  }
}

runCli(main);
