import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { httpStack } from "./http-stack";
import { loginBench } from "./login";
import { cryptoBench } from "./crypto";
import { auditBench } from "./audit";
import { contactsBench } from "./contacts";
import { transactionsBench } from "./transactions";
import { backupBench } from "./backup";
import { importsBench } from "./imports";
import { apiBench } from "./api";
import { scaleBench } from "./scale";
import type { Harness, HarnessResult } from "./lib/harness";

/**
 * `npm run bench`: every harness in turn, each against its own baseline on this machine in the same run.
 * Prints the machine, each harness's markdown table, and the ratio lines last; writes bench/results/*.json.
 */
const allHarnesses: Harness[] = [httpStack, loginBench, cryptoBench, auditBench, contactsBench, transactionsBench, backupBench, apiBench, importsBench, scaleBench];
// `npm run bench -- contacts audit` runs only the harnesses named, alone or together (flags such as --contacts=N are the harnesses' own).
const named = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = named.filter((n) => !allHarnesses.some((h) => h.name === n));
if (unknown.length) {
  console.error(`unknown harness ${unknown.join(", ")}; choose from ${allHarnesses.map((h) => h.name).join(", ")}`);
  process.exit(2);
}
const harnesses = named.length ? allHarnesses.filter((h) => named.includes(h.name)) : allHarnesses;

function machine() {
  const cpus = os.cpus();
  let next = "unknown";
  try {
    next = (JSON.parse(fs.readFileSync(path.join(process.cwd(), "node_modules", "next", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    // reported as unknown
  }
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    next,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const host = machine();
  const loadBefore = os.loadavg()[0]!;
  const results: HarnessResult[] = [];
  let failed = false;
  for (const harness of harnesses) {
    const say = (line: string) => console.log(`[bench:${harness.name}] ${line}`);
    const t0 = Date.now();
    try {
      results.push(await harness.run(say));
      say(`done in ${Math.round((Date.now() - t0) / 1000)} s`);
    } catch (err) {
      failed = true;
      say(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const loadAfter = os.loadavg()[0]!;

  const machineLine =
    `Machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, ${host.os}; Node ${host.node}, Next ${host.next}; ` +
    `1-min load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after.`;
  const finishedAt = new Date();
  const dir = path.join(process.cwd(), "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `run-${finishedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  const json = JSON.stringify(
    { finishedAt: finishedAt.toISOString(), seconds: Math.round((Date.now() - started) / 1000), machine: host, loadAverage: { before: loadBefore, after: loadAfter }, failed, results },
    null,
    2,
  );
  fs.writeFileSync(file, json + "\n");
  fs.writeFileSync(path.join(dir, "latest.json"), json + "\n");

  console.log("");
  console.log(machineLine);
  for (const r of results) console.log(`\n### ${r.name}\n\n${r.table}\n`);
  console.log(`Results: ${path.relative(process.cwd(), file)}`);
  if (failed) console.log("Some harnesses failed (see above); their ratios are missing.");
  for (const r of results) console.log(r.ratio);
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
