import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("keys:rotate-master", () => {
  it("refuses clearly, and changes nothing, while the app holds the embedded database", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-rotate-cli-"));
    dirs.push(dataDir);
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      fs.writeFileSync(path.join(dataDir, "db.lock"), JSON.stringify({ pid: holder.pid, since: new Date().toISOString() }));
      const env = { ...process.env, RAMPART_DATA_DIR: dataDir, LOG_LEVEL: "silent" } as NodeJS.ProcessEnv;
      delete env.RAMPART_MASTER_KEYS;
      delete env.DATABASE_URL;
      const run = spawnSync(tsx, ["--conditions=react-server", path.join(root, "scripts", "keys-rotate-master.ts"), "--generate"], { cwd: root, env, encoding: "utf8" });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`is in use by process ${holder.pid}`);
      expect(run.stderr).not.toMatch(/\n\s+at /); // one clear line, no stack trace
      expect(fs.existsSync(path.join(dataDir, "keys"))).toBe(false); // no key was generated
    } finally {
      holder.kill();
    }
  });
});
