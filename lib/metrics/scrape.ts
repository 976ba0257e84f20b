import "server-only";
import { backupHealth } from "@/lib/backup/status";
import type { Database } from "@/lib/db";
import { checkReadiness, type BackupHealthSource } from "@/lib/health";
import { countOpenJobs } from "@/lib/jobs/queue";
import { metrics } from "./index";

/**
 * The Prometheus text of this process, with the gauges that describe shared state (readiness, job queue, backup
 * age) read now: counters are per process, these are the same from any instance.
 */
export async function renderMetrics(db: Database, options: { backup?: BackupHealthSource } = { backup: backupHealth }): Promise<{ contentType: string; body: string }> {
  const m = metrics();
  const readiness = await checkReadiness();
  for (const [component, check] of Object.entries(readiness.checks)) m.componentUp.set({ component }, check.status === "ok" ? 1 : 0);
  if (readiness.checks.database.status === "ok") {
    const open = await countOpenJobs(db);
    m.jobQueue.set({ state: "queued" }, open.queued);
    m.jobQueue.set({ state: "running" }, open.running);
    if (options.backup) {
      const { ageHours } = await options.backup(db);
      m.backupAge.set(ageHours === null ? Number.NaN : ageHours * 3600);
    }
  }
  return { contentType: m.registry.contentType, body: await m.registry.metrics() };
}
