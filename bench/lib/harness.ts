import { spawn } from "node:child_process";
import path from "node:path";
import type { LoadPlan, LoadStats } from "../load";

export type HarnessResult = {
  name: string;
  /** Markdown the README can carry. */
  table: string;
  /** One line starting with "ratio:". */
  ratio: string;
  data: unknown;
};

export type Harness = { name: string; run(say: (line: string) => void): Promise<HarnessResult> };

/** Runs bench/load.ts in a separate node process (bounded by a timeout) and returns its measurements. */
export function runLoad(plan: LoadPlan, root = process.cwd()): Promise<LoadStats[]> {
  const budgetMs = (plan.targets.length * (plan.warmupSeconds + plan.rounds * plan.seconds) + 30) * 1000;
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, "node_modules", ".bin", "tsx"), [path.join(root, "bench", "load.ts"), JSON.stringify(plan)], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), budgetMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`the load process failed (${signal ?? `exit ${code}`})`));
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as LoadStats[]);
      } catch {
        reject(new Error(`the load process printed no result: ${out.slice(0, 200)}`));
      }
    });
  });
}

export function markdownTable(head: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

export const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
