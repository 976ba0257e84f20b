import "server-only";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The process's Prometheus metrics (served by /api/metrics). Labels are closed vocabularies only: route groups,
 * HTTP methods, status classes, outcome names, limiter names and job kinds; never paths, ids, slugs or addresses.
 */
function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "rampart_" });
  const registers = [registry];
  const set = {
    registry,
    httpRequests: new Counter({
      name: "rampart_http_requests_total",
      help: "Route handler requests by route group, method and status class.",
      labelNames: ["group", "method", "status"] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: "rampart_http_request_duration_seconds",
      help: "Route handler latency by route group and method.",
      labelNames: ["group", "method"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    formActions: new Counter({
      name: "rampart_form_actions_total",
      help: "Server actions by outcome: completed, refused (a rule or the input), error, or navigated (ended in a redirect).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    signIns: new Counter({
      name: "rampart_sign_in_attempts_total",
      help: "Sign-in attempts by recorded outcome.",
      labelNames: ["outcome"] as const,
      registers,
    }),
    rateLimitRefusals: new Counter({
      name: "rampart_rate_limit_refusals_total",
      help: "Requests refused by a rate limiter, by limiter name.",
      labelNames: ["limiter"] as const,
      registers,
    }),
    jobRuns: new Counter({
      name: "rampart_job_runs_total",
      help: "Background job runs by kind and outcome (succeeded, retrying, failed, interrupted).",
      labelNames: ["kind", "outcome"] as const,
      registers,
    }),
    jobQueue: new Gauge({
      name: "rampart_jobs",
      help: "Background jobs by state (queued = waiting, including not yet due; running = leased), read at scrape time.",
      labelNames: ["state"] as const,
      registers,
    }),
    cronRefusals: new Counter({
      name: "rampart_cron_refusals_total",
      help: "Calls of /api/cron refused for a missing or wrong secret.",
      registers,
    }),
    componentUp: new Gauge({
      name: "rampart_component_up",
      help: "Readiness of each component at scrape time (1 up, 0 down).",
      labelNames: ["component"] as const,
      registers,
    }),
    backupAge: new Gauge({
      name: "rampart_backup_age_seconds",
      help: "Age of the last good backup at scrape time; NaN while unknown (no backup yet, or no backup source wired in).",
      registers,
    }),
  };
  // A gauge starts at 0, which would read as "backed up just now".
  set.backupAge.set(Number.NaN);
  return set;
}

export type Metrics = ReturnType<typeof createMetrics>;

const holder = globalThis as typeof globalThis & { __rampartMetrics?: Metrics };

/** One set per process: Next loads modules more than once (instrumentation, route bundles), the counters must be shared. */
export function metrics(): Metrics {
  holder.__rampartMetrics ??= createMetrics();
  return holder.__rampartMetrics;
}

/** Every metric name this app exports (the alert rules may reference only these and Prometheus's own `up`). */
export async function metricNames(): Promise<string[]> {
  return (await metrics().registry.getMetricsAsJSON()).map((m) => m.name);
}

/** "2xx", "4xx", …: the status class, so a label never holds more than five values. */
export const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

const groupSegment = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * The route group of a request path for labels: `api/<area>`, and `api/o/<area>` for campaign routes (the slug
 * dropped). Only route handlers that exist reach this, and the areas are static folders of app/api (a test checks
 * there is no dynamic folder at those levels), so the label set stays small.
 */
export function routeGroup(pathname: string): string {
  const [root, area, slug, campaignArea] = pathname.split("/").filter(Boolean);
  if (root !== "api" || !area || !groupSegment.test(area)) return "other";
  if (area !== "o") return `api/${area}`;
  return slug && campaignArea && groupSegment.test(campaignArea) ? `api/o/${campaignArea}` : "api/o";
}

/** Counts and times one route request. */
export function observeRequest(sample: { group: string; method: string; status: number; seconds: number }): void {
  const m = metrics();
  const method = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].includes(sample.method) ? sample.method : "other";
  m.httpRequests.inc({ group: sample.group, method, status: statusClass(sample.status) });
  m.httpDuration.observe({ group: sample.group, method }, sample.seconds);
}
