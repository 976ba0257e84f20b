import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";

const inputs = ["app", "lib", "db", "middleware.ts", "instrumentation.ts", "next.config.ts", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];
const FINGERPRINT = path.join(".next", "rampart-build-fingerprint");

function walk(entry: string, out: string[]): void {
  if (!fs.existsSync(entry)) return;
  const stat = fs.statSync(entry);
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(entry).sort()) walk(path.join(entry, name), out);
  } else if (!/\.test\.tsx?$/.test(entry)) {
    out.push(`${entry}:${stat.size}:${stat.mtimeMs}`);
  }
}

/** Hash of what a production build depends on (names, sizes, mtimes), so a stale build is never served. */
export function sourceFingerprint(root = process.cwd()): string {
  const files: string[] = [];
  for (const input of inputs) walk(path.join(root, input), files);
  return createHash("sha256").update(files.join("\n")).digest("hex");
}

/** Runs `next build` unless the existing build was made from the same sources. Returns whether it built. */
export function buildIfNeeded(log: (line: string) => void, root = process.cwd()): boolean {
  const fingerprint = sourceFingerprint(root);
  const marker = path.join(root, FINGERPRINT);
  if (fs.existsSync(path.join(root, ".next", "BUILD_ID")) && fs.existsSync(marker) && fs.readFileSync(marker, "utf8") === fingerprint) return false;
  log("Building the app (first start, or the sources changed)…");
  const result = spawnSync(path.join(root, "node_modules", ".bin", "next"), ["build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error("next build failed (see above)");
  fs.writeFileSync(marker, fingerprint);
  return true;
}
