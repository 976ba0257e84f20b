import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET as healthRoute } from "@/app/api/health/route";
import { GET as liveRoute } from "@/app/api/health/live/route";
import { GET as readyRoute } from "@/app/api/health/ready/route";
import { GET as metricsRoute } from "@/app/api/metrics/route";
import { GET as contactRoute } from "@/app/api/o/[org]/contacts/[id]/route";
import { createAuthLimiters } from "@/lib/auth/limits";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { getConfig } from "@/lib/config";
import type { DatabaseHandle } from "@/lib/db/client";
import { checkHealth, type BackupHealthSource } from "@/lib/health";
import { logger } from "@/lib/log";
import { renderMetrics } from "@/lib/metrics/scrape";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/databases";

const token = vi.hoisted(() => {
  const value = "metrics-token-for-tests-".padEnd(48, "m");
  process.env.METRICS_TOKEN = value;
  return value;
});

// The contact route reads the session cookie; with none it answers 401, which is all this file needs of it.
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers({ "x-request-id": crypto.randomUUID() }),
}));

const uuidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const emailPattern = /[\w.+-]+@[\w-]+\.[\w.-]+/;
const noParams = { params: Promise.resolve({}) } as { params: Promise<Record<string, never>> };
const get = (url: string, headers: Record<string, string> = {}) => new Request(`http://localhost${url}`, { headers });

describe("health, readiness, metrics", () => {
  let t: TestDatabase;
  const holder = globalThis as typeof globalThis & { __rampartDb?: Promise<DatabaseHandle> };

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    holder.__rampartDb = Promise.resolve(t);
  });
  afterAll(async () => {
    holder.__rampartDb = undefined;
    await t?.drop();
  });

  it("liveness answers without touching any dependency", async () => {
    const saved = holder.__rampartDb;
    const down = Promise.reject(new Error("database down"));
    down.catch(() => undefined);
    holder.__rampartDb = down;
    try {
      const res = await liveRoute(get("/api/health/live"), noParams);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "ok" });
    } finally {
      holder.__rampartDb = saved;
    }
  });

  it("readiness is 200 with every component up and 503 when the database is down", async () => {
    const ready = await readyRoute(get("/api/health/ready"), noParams);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: { status: "ok" }, rateLimits: { status: "ok" }, files: { status: "ok" } } });

    const saved = holder.__rampartDb;
    const down = Promise.reject(new Error("database down"));
    down.catch(() => undefined);
    holder.__rampartDb = down;
    try {
      const res = await readyRoute(get("/api/health/ready"), noParams);
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body).toMatchObject({ status: "not_ready", checks: { database: { status: "error" } } });
      expect(JSON.stringify(body)).not.toContain("database down");
    } finally {
      holder.__rampartDb = saved;
    }
  });

  it("/api/health keeps its contract: status ok plus component checks, no secrets", async () => {
    const res = await healthRoute(get("/api/health"), noParams);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ status: "ok", checks: { database: { status: "ok", kind: "pglite" }, rateLimits: {}, files: {} } });
    expect(text).not.toMatch(/postgres:\/\/|redis:\/\/|memory:\/\/|secret|token/i);
  });

  it("the backup component degrades health only when the last good backup is older than 26 hours", async () => {
    const source = (ageHours: number | null): BackupHealthSource => async () => ({ lastOk: ageHours === null ? null : new Date(Date.now() - ageHours * 3_600_000).toISOString(), ageHours });
    const fresh = await checkHealth({ backup: source(3) });
    expect(fresh.status).toBe("ok");
    expect(fresh.checks.backup).toMatchObject({ status: "ok", kind: "backup", ageHours: 3 });
    expect((await checkHealth({ backup: source(null) })).checks.backup).toMatchObject({ status: "ok", lastOk: null, ageHours: null });
    const stale = await checkHealth({ backup: source(27) });
    expect(stale).toMatchObject({ status: "degraded", checks: { backup: { status: "error", ageHours: 27 } } });
    const broken = await checkHealth({
      backup: async () => {
        throw new Error("manifest unreadable at s3://bucket/key");
      },
    });
    expect(broken.status).toBe("degraded");
    expect(JSON.stringify(broken)).not.toContain("s3://");
  });

  it("logs one line per route request with the request id, method, route group, status and duration, never the path", async () => {
    const info = vi.spyOn(logger, "info");
    try {
      const requestId = crypto.randomUUID();
      const contactId = crypto.randomUUID();
      const request = get(`/api/o/log-campaign/contacts/${contactId}`, { "x-request-id": requestId });
      await contactRoute(request, { params: Promise.resolve({ org: "log-campaign", id: contactId }) });
      const lines = info.mock.calls.filter((c) => c[1] === "request");
      expect(lines).toHaveLength(1);
      expect(lines[0]![0]).toEqual({ requestId, method: "GET", group: "api/o/contacts", status: 401, durationMs: expect.any(Number) });
      expect(JSON.stringify(lines[0])).not.toMatch(/log-campaign|contacts\//);
    } finally {
      info.mockRestore();
    }
  });

  describe("/api/metrics", () => {
    it("refuses without a token and with a wrong one", async () => {
      const none = await metricsRoute(get("/api/metrics"), noParams);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await none.text()).not.toContain("rampart_");
      for (const wrong of [`Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${token}`, token]) {
        const res = await metricsRoute(get("/api/metrics", { authorization: wrong }), noParams);
        expect(res.status, wrong.slice(0, 8)).toBe(401);
        expect(await res.text()).not.toContain("rampart_");
      }
    });

    it("answers 404 while no token is configured", async () => {
      const config = getConfig();
      config.metricsToken = undefined;
      try {
        expect((await metricsRoute(get("/api/metrics", { authorization: `Bearer ${token}` }), noParams)).status).toBe(404);
      } finally {
        config.metricsToken = token;
      }
    });

    it("serves the Prometheus text with the expected metrics, labelled by group and outcome, never by person or id", async () => {
      const slug = "metrics-campaign";
      const contactId = crypto.randomUUID();
      expect((await contactRoute(get(`/api/o/${slug}/contacts/${contactId}`), { params: Promise.resolve({ org: slug, id: contactId }) })).status).toBe(401);
      const config = getConfig();
      const limiters = createAuthLimiters(t.db, { ...config, auth: { ...config.auth, loginLimitPerAccount: 1 } });
      const deps = { db: t.db, limiters, policy: { maxAgeSeconds: 3600, idleTimeoutSeconds: 600 } };
      const attempt = { email: "nobody-here@example.org", password: "not the password", clientAddress: "203.0.113.9" };
      expect(await signInWithPassword(deps, attempt)).toMatchObject({ ok: false, reason: "invalid" });
      expect(await signInWithPassword(deps, attempt)).toMatchObject({ ok: false, reason: "rate_limited" });

      const res = await metricsRoute(get("/api/metrics", { authorization: `Bearer ${token}` }), noParams);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      for (const name of [
        "rampart_http_requests_total",
        "rampart_http_request_duration_seconds_bucket",
        "rampart_sign_in_attempts_total",
        "rampart_rate_limit_refusals_total",
        "rampart_jobs",
        "rampart_component_up",
        "rampart_process_cpu_seconds_total",
      ])
        expect(text).toContain(`\n${name}`);
      expect(text).toMatch(/\nrampart_http_requests_total\{group="api\/o\/contacts",method="GET",status="4xx"\} [1-9]/);
      expect(text).toMatch(/rampart_sign_in_attempts_total\{outcome="unknown_account"\} 1/);
      expect(text).toMatch(/rampart_sign_in_attempts_total\{outcome="rate_limited"\} 1/);
      expect(text).toMatch(/rampart_rate_limit_refusals_total\{limiter="signin-account"\} 1/);
      expect(text).toMatch(/rampart_component_up\{component="database"\} 1/);
      expect(text).toMatch(/rampart_jobs\{state="queued"\} 0/);
      expect(text).not.toMatch(uuidPattern);
      expect(text).not.toMatch(emailPattern);
      expect(text).not.toContain(slug);
      expect(text).not.toContain("203.0.113.9");
    });

    it("reports the backup age from the backup area's source, and NaN (never 0) until a backup exists", async () => {
      const withBackup = await renderMetrics(t.db, { backup: async () => ({ lastOk: new Date(Date.now() - 7_200_000).toISOString(), ageHours: 2 }) });
      expect(withBackup.body).toMatch(/\nrampart_backup_age_seconds 7200\n/);
      const never = await renderMetrics(t.db, { backup: async () => ({ lastOk: null, ageHours: null }) });
      // prom-client writes "Nan"; Prometheus parses NaN in any case.
      expect(never.body).toMatch(/\nrampart_backup_age_seconds nan\n/i);
    });
  });
});
