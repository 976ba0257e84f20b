import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, like, sql } from "drizzle-orm";
import { systemMeta } from "@/db/schema";
import { jobs } from "@/db/schema/jobs";
import { withTenant } from "@/lib/db/tenant";
import { createOrganization } from "@/lib/crypto/test-support";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { enqueueJob, getJob, withRunnerScope } from "./queue";
import { claimableHandlers, runJobsUntilIdle, runNextJob, startJobRunner, type JobHandler } from "./runner";

type Cursor = { next: number } | null;

/** Writes marker rows 0..total-1, one per step, and records how far it got. */
function counter(prefix: string, total: number, failAt?: { step: number; times: number }): JobHandler {
  let failures = 0;
  return async (job, ctx) => {
    for (;;) {
      const done = await ctx.step(async (tx) => {
        const at = (job.cursor as Cursor)?.next ?? 0;
        if (at >= total) return { cursor: { next: at }, result: true };
        await tx.insert(systemMeta).values({ key: `${prefix}-${at}`, value: at });
        if (failAt && at === failAt.step && failures < failAt.times) {
          failures++;
          throw new Error("boom in the middle of a step");
        }
        return { cursor: { next: at + 1 }, progress: { done: at + 1, total }, result: false };
      });
      if (done) return;
    }
  };
}

const markers = (t: TestDatabase, prefix: string) =>
  t.db.select({ key: systemMeta.key }).from(systemMeta).where(like(systemMeta.key, `${prefix}-%`)).then((r) => r.map((x) => x.key).sort());

const expireLease = (t: TestDatabase, id: string) =>
  withRunnerScope(t.db, (tx) => tx.update(jobs).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(jobs.id, id)));
const makeDue = (t: TestDatabase, id: string) => withRunnerScope(t.db, (tx) => tx.update(jobs).set({ runAt: sql`now()` }).where(eq(jobs.id, id)));

describe.each(testBackends())("background jobs (%s)", (backend) => {
  let t: TestDatabase;
  let orgA: string, orgB: string;

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    orgA = await createOrganization(t.db);
    orgB = await createOrganization(t.db);
  });
  afterAll(async () => t?.drop());

  const enqueue = (orgId: string, kind: string, extra: { dedupeKey?: string; maxAttempts?: number } = {}) =>
    withTenant(t.db, { orgId }, (tx) => enqueueJob(tx, { kind, orgId, ...extra }));

  it("keeps an organisation's jobs to itself, and de-duplicates by key", async () => {
    const first = await enqueue(orgA, "t.dedupe", { dedupeKey: orgA });
    const again = await enqueue(orgA, "t.dedupe", { dedupeKey: orgA });
    expect(again).toEqual({ id: first.id, created: false });
    expect(await withTenant(t.db, { orgId: orgB }, (tx) => getJob(tx, first.id))).toBeNull();
    expect(await t.db.select().from(jobs)).toHaveLength(0);
    await expect(withTenant(t.db, { orgId: orgB }, (tx) => enqueueJob(tx, { kind: "t.x", orgId: orgA }))).rejects.toThrow();
  });

  it("runs a job step by step and records its cursor, progress and success", async () => {
    const { id } = await enqueue(orgA, "t.count");
    const outcomes = await runJobsUntilIdle(t.db, { handlers: { "t.count": counter("count", 3) } });
    expect(outcomes).toEqual([{ id, kind: "t.count", outcome: "succeeded" }]);
    const job = await withTenant(t.db, { orgId: orgA }, (tx) => getJob(tx, id));
    expect(job).toMatchObject({ state: "succeeded", cursor: { next: 3 }, progress: { done: 3, total: 3 }, attempts: 1, lockedBy: null });
    expect(await markers(t, "count")).toEqual(["count-0", "count-1", "count-2"]);
  });

  it("rolls back a failed step, retries later with backoff and resumes after the last committed step", async () => {
    const { id } = await enqueue(orgA, "t.flaky");
    const handlers = { "t.flaky": counter("flaky", 4, { step: 2, times: 1 }) };
    expect((await runNextJob(t.db, { handlers }))?.outcome).toBe("retrying");
    const failed = await withTenant(t.db, { orgId: orgA }, (tx) => getJob(tx, id));
    expect(failed).toMatchObject({ state: "queued", cursor: { next: 2 }, lastError: "Error" });
    expect(failed!.runAt.getTime()).toBeGreaterThan(Date.now());
    expect(await markers(t, "flaky")).toEqual(["flaky-0", "flaky-1"]); // the failed step's row is gone
    expect(await runNextJob(t.db, { handlers })).toBeNull(); // not due yet
    await makeDue(t, id);
    expect((await runNextJob(t.db, { handlers }))?.outcome).toBe("succeeded");
    expect(await markers(t, "flaky")).toEqual(["flaky-0", "flaky-1", "flaky-2", "flaky-3"]);
  });

  it("gives up after its maximum attempts", async () => {
    const { id } = await enqueue(orgA, "t.doomed", { maxAttempts: 2 });
    const handlers = { "t.doomed": counter("doomed", 1, { step: 0, times: 99 }) };
    expect((await runNextJob(t.db, { handlers }))?.outcome).toBe("retrying");
    await makeDue(t, id);
    expect((await runNextJob(t.db, { handlers }))?.outcome).toBe("failed");
    expect(await withTenant(t.db, { orgId: orgA }, (tx) => getJob(tx, id))).toMatchObject({ state: "failed", attempts: 2 });
  });

  it("leaves a stopped runner's job leased, then resumes it from its checkpoint once the lease expires", async () => {
    const { id } = await enqueue(orgA, "t.stop");
    const controller = new AbortController();
    const base = counter("stop", 5);
    const stopAfterTwo: JobHandler = (job, ctx) =>
      base(job, {
        ...ctx,
        step: async (fn) => {
          const r = await ctx.step(fn);
          if ((job.cursor as Cursor)?.next === 2) controller.abort();
          return r;
        },
      });
    const handlers = { "t.stop": stopAfterTwo };
    expect((await runNextJob(t.db, { handlers, signal: controller.signal }))?.outcome).toBe("interrupted");
    expect(await withTenant(t.db, { orgId: orgA }, (tx) => getJob(tx, id))).toMatchObject({ state: "running", cursor: { next: 2 } });
    expect(await runNextJob(t.db, { handlers: { "t.stop": base } })).toBeNull(); // still leased
    await expireLease(t, id);
    expect((await runNextJob(t.db, { handlers: { "t.stop": base } }))?.outcome).toBe("succeeded");
    expect(await markers(t, "stop")).toEqual(["stop-0", "stop-1", "stop-2", "stop-3", "stop-4"]);
  });

  it("refuses the checkpoint of a runner whose lease was taken over, rolling its step back", async () => {
    const { id } = await enqueue(orgB, "t.fence");
    let resume!: () => void;
    const paused = new Promise<void>((r) => (resume = r));
    let reachedPause!: () => void;
    const atPause = new Promise<void>((r) => (reachedPause = r));
    const slow: JobHandler = async (job, ctx) => {
      await ctx.step(async () => ({ cursor: { next: 1 } }));
      reachedPause();
      await paused;
      await ctx.step(async (tx) => {
        await tx.insert(systemMeta).values({ key: "fence-stale", value: 1 });
        return { cursor: { next: 99 } };
      });
    };
    const stale = runNextJob(t.db, { handlers: { "t.fence": slow } });
    await atPause;
    await expireLease(t, id);
    expect((await runNextJob(t.db, { handlers: { "t.fence": counter("fence", 2) } }))?.outcome).toBe("succeeded");
    resume();
    expect((await stale)?.outcome).toBe("interrupted");
    expect(await markers(t, "fence")).toEqual(["fence-1"]);
    expect(await withTenant(t.db, { orgId: orgB }, (tx) => getJob(tx, id))).toMatchObject({ state: "succeeded", cursor: { next: 2 } });
  });

  it("claims only kinds it has a handler for, and the in-process runner drains the queue", async () => {
    const { id: other } = await enqueue(orgB, "t.unknown");
    const { id } = await enqueue(orgB, "t.background");
    const runner = startJobRunner(t.db, { handlers: { "t.background": counter("bg", 2) }, pollMs: 20 });
    for (let i = 0; i < 200; i++) {
      const job = await withTenant(t.db, { orgId: orgB }, (tx) => getJob(tx, id));
      if (job?.state === "succeeded") break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await runner.stop();
    expect(await withTenant(t.db, { orgId: orgB }, (tx) => getJob(tx, id))).toMatchObject({ state: "succeeded" });
    expect(await withTenant(t.db, { orgId: orgB }, (tx) => getJob(tx, other))).toMatchObject({ state: "queued", attempts: 0 });
  });

  const stateOf = async (id: string) => (await withTenant(t.db, { orgId: orgA }, (tx) => getJob(tx, id)))?.state;
  const until = async (id: string, state: string) => {
    for (let i = 0; i < 400 && (await stateOf(id)) !== state; i++) await new Promise((r) => setTimeout(r, 25));
    return stateOf(id);
  };

  it("leaves a deferred kind queued while a flood lasts, runs the others, and runs it once the flood is over", async () => {
    let flooding = true;
    const { id: backup } = await enqueue(orgA, "t.deferred");
    const { id: other } = await enqueue(orgA, "t.urgent");
    const runner = startJobRunner(t.db, {
      handlers: { "t.deferred": counter("deferred", 1), "t.urgent": counter("urgent", 1) },
      pollMs: 20,
      defer: { kinds: ["t.deferred"], flooded: () => flooding, maxWaitMs: 60_000 },
    });
    try {
      expect(await until(other, "succeeded")).toBe("succeeded");
      await new Promise((r) => setTimeout(r, 200)); // several more polls, still flooded
      expect(await stateOf(backup)).toBe("queued");
      flooding = false;
      expect(await until(backup, "succeeded")).toBe("succeeded");
    } finally {
      await runner.stop();
    }
  });

  it("runs a deferred kind anyway once a flood has lasted the longest wait", async () => {
    const { id } = await enqueue(orgA, "t.deferred-long");
    const runner = startJobRunner(t.db, { handlers: { "t.deferred-long": counter("deferred-long", 1) }, pollMs: 20, defer: { kinds: ["t.deferred-long"], flooded: () => true, maxWaitMs: 150 } });
    try {
      expect(await until(id, "succeeded")).toBe("succeeded");
    } finally {
      await runner.stop();
    }
  });
});

describe("claimableHandlers", () => {
  const handlers = { "backup.daily": counter("x", 0), "keys.rotate": counter("y", 0) };
  const defer = { kinds: ["backup.daily"], flooded: () => true, maxWaitMs: 1000 };
  it("keeps every kind with no deferral, or with no flood under way", () => {
    expect(Object.keys(claimableHandlers(handlers, undefined, 0, 10))).toEqual(["backup.daily", "keys.rotate"]);
    expect(Object.keys(claimableHandlers(handlers, defer, null, 10))).toEqual(["backup.daily", "keys.rotate"]);
  });
  it("leaves the deferred kinds out during a flood younger than the longest wait, and not after it", () => {
    expect(Object.keys(claimableHandlers(handlers, defer, 5_000, 5_999))).toEqual(["keys.rotate"]);
    expect(Object.keys(claimableHandlers(handlers, defer, 5_000, 6_000))).toEqual(["backup.daily", "keys.rotate"]);
  });
});
