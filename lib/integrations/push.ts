import "server-only";
import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import { contacts, integrationSettings, integrationSyncs, reports } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { sealedReports } from "@/lib/contacts/sealed";
import type { Database, Transaction } from "@/lib/db/client";
import { withSystem, withTenant } from "@/lib/db/tenant";
import type { JobHandler } from "@/lib/jobs/runner";
import { enqueueJob } from "@/lib/jobs/queue";
import { IntegrationError, RateLimitedError, integrationSystems, type Connector, type IntegrationSystem, type RemoteOutcome } from "./connectors";
import { mappingSchema, toRemoteOutcome } from "./mapping";
import { PUSH_JOB, storedConnector, type BaseUrls } from "./service";

/**
 * The push job of one campaign: queued outcomes (a report completed on a contact with an external id, queued by the
 * reports trigger of migration 0022) go out in batches. Each batch is read in one step, sent with no transaction
 * open, and its results written in the next step with one audit event of counts. A failed send is tried again
 * with backoff (or after the system's Retry-After) up to MAX_ATTEMPTS, then shown on the page as failed in words.
 */
const BATCH = 25;
const MAX_ATTEMPTS = 5;
const BACKOFF_MS = 60_000;

type Planned = { syncId: string; system: IntegrationSystem; externalId: string | null; outcome: RemoteOutcome | null };
type Result = { syncId: string; status: "sent" | "skipped" | "failed" | "retry" | "withdrawn"; error?: string; retryAt?: Date };

async function planBatch(tx: Transaction, orgId: string, system: IntegrationSystem, now: Date): Promise<Planned[]> {
  const due = await tx
    .select({ id: integrationSyncs.id, reportId: integrationSyncs.reportId, externalId: contacts.externalId })
    .from(integrationSyncs)
    .leftJoin(contacts, eq(contacts.id, integrationSyncs.contactId))
    .where(and(eq(integrationSyncs.orgId, orgId), eq(integrationSyncs.system, system), eq(integrationSyncs.status, "queued"), lte(integrationSyncs.nextAttemptAt, now)))
    .orderBy(asc(integrationSyncs.queuedAt))
    .limit(BATCH);
  if (due.length === 0) return [];
  const [settings] = await tx.select({ mapping: integrationSettings.mapping }).from(integrationSettings).where(and(eq(integrationSettings.orgId, orgId), eq(integrationSettings.system, system)));
  const mapping = mappingSchema.catch({ outcomes: {}, answers: {} }).parse(settings?.mapping ?? {});
  const ids = due.map((d) => d.reportId).filter((id): id is string => id !== null);
  const rows = ids.length ? await tx.select().from(reports).where(and(eq(reports.orgId, orgId), inArray(reports.id, ids))) : [];
  const opened = new Map((await sealedReports.openAll(tx, rows)).map((r) => [r.id, r]));
  return due.map((d) => {
    const report = d.reportId ? opened.get(d.reportId) : undefined;
    const outcome = report?.completedAt ? toRemoteOutcome({ outcome: report.outcome, answers: report.answers ?? null, completedAt: report.completedAt }, mapping) : null;
    return { syncId: d.id, system, externalId: d.externalId ?? null, outcome };
  });
}

/**
 * Sends a batch; stops early when the system refuses the key or asks to slow down (the rest waits its turn). Each
 * outcome is checked to be still queued just before it goes: a disconnect in the middle of a batch stops the rest.
 */
async function send(connector: Connector, planned: Planned[], attempts: Map<string, number>, now: Date, stillQueued: (syncId: string) => Promise<boolean>): Promise<Result[]> {
  const results: Result[] = [];
  for (const p of planned) {
    if (!(await stillQueued(p.syncId))) {
      results.push({ syncId: p.syncId, status: "withdrawn" });
      continue;
    }
    // No external id (removed since) or nothing mapped: never sent.
    if (!p.externalId || !p.outcome) {
      results.push({ syncId: p.syncId, status: "skipped", error: p.externalId ? "Nothing mapped for this outcome" : "The contact has no external id" });
      continue;
    }
    try {
      await connector.pushOutcome(p.externalId, p.outcome);
      results.push({ syncId: p.syncId, status: "sent" });
    } catch (err) {
      if (!(err instanceof IntegrationError)) throw err;
      const tries = (attempts.get(p.syncId) ?? 0) + 1;
      const transient = err.code === "rate_limited" || err.code === "remote_down";
      if (transient && tries < MAX_ATTEMPTS) {
        const wait = err instanceof RateLimitedError ? err.retryAfterMs : BACKOFF_MS * 2 ** (tries - 1);
        results.push({ syncId: p.syncId, status: "retry", error: err.message, retryAt: new Date(now.getTime() + wait) });
      } else results.push({ syncId: p.syncId, status: "failed", error: err.message });
      if (err.code === "bad_credentials" || err.code === "rate_limited") break;
    }
  }
  return results;
}

async function writeResults(tx: Transaction, orgId: string, system: IntegrationSystem, results: Result[]): Promise<void> {
  const now = new Date();
  for (const r of results) {
    if (r.status === "withdrawn") continue;
    // Only rows still queued: a disconnect meanwhile cancelled the rest, and that stands.
    const where = and(eq(integrationSyncs.id, r.syncId), eq(integrationSyncs.orgId, orgId), eq(integrationSyncs.status, "queued"));
    if (r.status === "retry") await tx.update(integrationSyncs).set({ attempts: sql`${integrationSyncs.attempts} + 1`, error: r.error, nextAttemptAt: r.retryAt }).where(where);
    else await tx.update(integrationSyncs).set({ status: r.status, attempts: sql`${integrationSyncs.attempts} + 1`, error: r.error ?? null, finishedAt: now }).where(where);
  }
  const n = (s: Result["status"]) => results.filter((r) => r.status === s).length;
  await recordAuditEvent(tx, {
    orgId,
    actor: { kind: "system" },
    action: "integration.synced",
    target: { type: "integration", id: system },
    metadata: { system, sent: n("sent"), skipped: n("skipped"), failed: n("failed"), retrying: n("retry") },
  });
}

/** One campaign's queued outcomes, every connected system, until none is due (or a system says to wait). */
export function pushJobHandler(baseUrls: () => BaseUrls): JobHandler {
  return async (job, ctx) => {
    const orgId = job.orgId;
    if (!orgId) return;
    for (const system of integrationSystems) {
      for (;;) {
        if (ctx.signal.aborted) return;
        const now = new Date();
        const batch = await ctx.step(async (tx) => {
          const connector = await storedConnector(tx, orgId, system, baseUrls());
          const planned = connector ? await planBatch(tx, orgId, system, now) : [];
          const rows = planned.length
            ? await tx.select({ id: integrationSyncs.id, attempts: integrationSyncs.attempts }).from(integrationSyncs).where(inArray(integrationSyncs.id, planned.map((p) => p.syncId)))
            : [];
          return { cursor: { system }, result: { connector, planned, attempts: new Map(rows.map((r) => [r.id, r.attempts])) } };
        });
        if (!batch?.connector || batch.planned.length === 0) break;
        const stillQueued = async (syncId: string) =>
          (await withTenant(ctx.db, { orgId }, (tx) => tx.select({ status: integrationSyncs.status }).from(integrationSyncs).where(eq(integrationSyncs.id, syncId))))[0]?.status === "queued";
        const results = await send(batch.connector, batch.planned, batch.attempts, now, stillQueued);
        await ctx.step(async (tx) => {
          await writeResults(tx, orgId, system, results);
          return { cursor: { system } };
        });
        if (results.length < batch.planned.length || results.some((r) => r.status === "retry" || r.status === "withdrawn")) break;
      }
    }
  };
}

/** Hourly: a push job for every campaign with outcomes due again (retries after backoff or Retry-After). */
export async function queueDuePushes(db: Database, now = new Date()): Promise<number> {
  const orgs = await withSystem(db, (tx) =>
    tx.selectDistinct({ orgId: integrationSyncs.orgId }).from(integrationSyncs).where(and(eq(integrationSyncs.status, "queued"), lte(integrationSyncs.nextAttemptAt, now))),
  );
  for (const { orgId } of orgs) await withTenant(db, { orgId }, (tx) => enqueueJob(tx, { kind: PUSH_JOB, orgId, dedupeKey: `${PUSH_JOB}:${orgId}`, maxAttempts: 3 }));
  return orgs.length;
}
