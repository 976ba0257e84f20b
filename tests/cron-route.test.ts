import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq, inArray } from "drizzle-orm";
import { GET as cronRoute, POST as cronPost } from "@/app/api/cron/[job]/route";
import { auditEvents } from "@/db/schema/audit";
import { jobs } from "@/db/schema/jobs";
import { systemMeta } from "@/db/schema";
import { AUDIT_ARCHIVE_JOB } from "@/lib/audit/job";
import { withAuditSystemScope } from "@/lib/audit/scope";
import { getConfig } from "@/lib/config";
import { createOrganization } from "@/lib/crypto/test-support";
import type { DatabaseHandle } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { handleCronCall } from "@/lib/jobs/cron";
import { enqueueJob, withRunnerScope } from "@/lib/jobs/queue";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { recordBackupOutcome } from "@/lib/backup/status";

const secret = vi.hoisted(() => {
  const value = "cron-secret-for-tests-".padEnd(48, "c");
  process.env.CRON_SECRET = value;
  return value;
});

type Report = { job: string; ran: Record<"succeeded" | "retrying" | "failed" | "interrupted", number>; chores: string };

const call = (job: string, authorization?: string) =>
  cronRoute(new Request(`http://localhost/api/cron/${job}`, { headers: authorization ? { authorization, "x-forwarded-for": "198.51.100.7" } : {} }), {
    params: Promise.resolve({ job }),
  });

describe.each(testBackends())("the cron route (%s)", (backend) => {
  let t: TestDatabase;
  const holder = globalThis as typeof globalThis & { __rampartDb?: Promise<DatabaseHandle> };
  let orgs: string[] = [];

  const enqueueArchives = async () => {
    const ids: string[] = [];
    for (const orgId of orgs) ids.push((await withTenant(t.db, { orgId }, (tx) => enqueueJob(tx, { kind: AUDIT_ARCHIVE_JOB, orgId }))).id);
    return ids;
  };
  const jobRows = (ids: string[]) => withRunnerScope(t.db, (tx) => tx.select().from(jobs).where(inArray(jobs.id, ids)));
  // Account events span several chains (by the person they concern; these concern nobody): their order is their time.
  const refusals = () => withAuditSystemScope(t.db, (tx) => tx.select().from(auditEvents).where(eq(auditEvents.action, "cron.refused")).orderBy(auditEvents.createdAt));

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    holder.__rampartDb = Promise.resolve(t);
    orgs = [];
    for (let i = 0; i < 6; i++) orgs.push(await createOrganization(t.db));
    // A backup was taken an hour ago, so the chores queue no daily backup: the jobs counted here are the test's own.
    await recordBackupOutcome(t.db, "backup", { id: "earlier", at: new Date(Date.now() - 3_600_000).toISOString(), ok: true });
  });
  afterAll(async () => {
    holder.__rampartDb = undefined;
    await t?.drop();
  });

  it("refuses a missing or wrong secret with 401, records each refusal and runs nothing", async () => {
    const ids = await enqueueArchives();
    const before = (await refusals()).length;
    for (const authorization of [undefined, `Bearer ${secret}x`, `Bearer ${secret.slice(1)}`, `Basic ${secret}`]) {
      const res = await call("jobs", authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    expect((await call("no-such-job", "Bearer wrong")).status).toBe(401);

    const recorded = (await refusals()).slice(before);
    expect(recorded.map((e) => e.metadata)).toEqual([
      { job: "jobs", reason: "missing_secret" },
      { job: "jobs", reason: "wrong_secret" },
      { job: "jobs", reason: "wrong_secret" },
      { job: "jobs", reason: "missing_secret" },
      { job: "unknown", reason: "wrong_secret" },
    ]);
    expect(recorded.every((e) => e.orgId === null && e.actorKind === "anonymous" && e.clientAddressHash !== "198.51.100.7")).toBe(true);
    expect((await jobRows(ids)).map((j) => [j.state, j.attempts])).toEqual(ids.map(() => ["queued", 0]));
    expect(await t.db.select().from(systemMeta).where(eq(systemMeta.key, "cron.chores"))).toEqual([]);

    // Leave the queue empty for the next test.
    const report = (await (await call("jobs", `Bearer ${secret}`)).json()) as Report;
    expect(report.ran.succeeded).toBe(ids.length);
  });

  it("answers 404 for an unknown job with the right secret, and for every call while CRON_SECRET is unset", async () => {
    expect((await call("no-such-job", `Bearer ${secret}`)).status).toBe(404);
    const config = getConfig();
    config.cronSecret = undefined;
    try {
      const before = (await refusals()).length;
      expect((await call("jobs", `Bearer ${secret}`)).status).toBe(404);
      expect((await call("jobs")).status).toBe(404);
      expect(await refusals()).toHaveLength(before);
    } finally {
      config.cronSecret = secret;
    }
  });

  it("with the right secret runs each due job exactly once when called twice at the same time, and the chores once", async () => {
    // The first test's call claimed the chores: make them due again (an hour has passed).
    await t.db.update(systemMeta).set({ updatedAt: new Date(Date.now() - 2 * 3_600_000) }).where(eq(systemMeta.key, "cron.chores"));
    const ids = await enqueueArchives();
    const responses = await Promise.all([call("jobs", `Bearer ${secret}`), cronPost(new Request("http://localhost/api/cron/jobs", { method: "POST", headers: { authorization: `Bearer ${secret}` } }), { params: Promise.resolve({ job: "jobs" }) })]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    const reports = (await Promise.all(responses.map((r) => r.json()))) as Report[];
    expect(reports.reduce((n, r) => n + r.ran.succeeded, 0)).toBe(ids.length);
    expect(reports.every((r) => r.ran.failed === 0 && r.ran.retrying === 0)).toBe(true);
    expect(reports.map((r) => r.chores).sort()).toEqual(["not_due", "ran"]);
    expect((await jobRows(ids)).map((j) => [j.state, j.attempts])).toEqual(ids.map(() => ["succeeded", 1]));

    // A third call finds nothing due and the chores not yet due again.
    const again = (await (await call("jobs", `Bearer ${secret}`)).json()) as Report;
    expect(again).toMatchObject({ ran: { succeeded: 0 }, chores: "not_due" });
  });

  it("runs a bounded slice: at most maxJobs per call, the rest on the next call", async () => {
    const ids = await enqueueArchives();
    const headers = new Headers({ authorization: `Bearer ${secret}` });
    const first = await handleCronCall(t.db, getConfig(), { job: "jobs", headers, requestId: "slice-1" }, { maxJobs: 2, budgetMs: 30_000 });
    expect(first).toMatchObject({ status: 200, report: { ran: { succeeded: 2 } } });
    expect((await jobRows(ids)).filter((j) => j.state === "queued")).toHaveLength(ids.length - 2);
    const rest = await handleCronCall(t.db, getConfig(), { job: "jobs", headers, requestId: "slice-2" }, { maxJobs: 100, budgetMs: 30_000 });
    expect(rest).toMatchObject({ status: 200, report: { ran: { succeeded: ids.length - 2 } } });
  });
});
