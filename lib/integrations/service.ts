import "server-only";
import { and, count, desc, eq, inArray, max, sql } from "drizzle-orm";
import { contacts, integrationSecrets, integrationSettings, integrationSyncs, users, type IntegrationSyncStatus } from "@/db/schema";
import { recordAuditEvent, type AuditActor } from "@/lib/audit";
import type { Transaction } from "@/lib/db/client";
import { RuleError } from "@/lib/errors";
import { enqueueJob } from "@/lib/jobs/queue";
import { integrationSystems, IntegrationError, limiterFor, systems, type Connector, type IntegrationSystem, type RemoteCodes } from "./connectors";
import { checkMapping, emptyCodes, mappedCount, mappingSchema, type IntegrationMapping } from "./mapping";
import { connectIntegration, disconnectIntegration, getIntegrationCredentials } from "./secrets";

/**
 * A campaign's integrations with VAN, PDI and Salsa: connect (the key verified first, then sealed), map, sync,
 * disconnect. Calls to the remote system happen outside any transaction (callers fetch, then store).
 */

export const PUSH_JOB = "integrations.push";
export type BaseUrls = Record<IntegrationSystem, string>;
type Who = { orgId: string; actor: AuditActor; requestId?: string };

/** Credentials as a campaign pastes them, stored in the secrets table's one shape (the key, and the rest as extras). */
export function toStoredCredentials(system: IntegrationSystem, input: Record<string, string>) {
  const parsed = systems[system].credentials.parse(input) as Record<string, string>;
  const keyField = system === "pdi" ? "apiToken" : "apiKey";
  const { [keyField]: apiKey, ...extra } = parsed;
  return { kind: "api_key" as const, apiKey: apiKey!, extra };
}

function fromStoredCredentials(system: IntegrationSystem, stored: { kind: string; apiKey?: string; extra?: Record<string, string> }): Record<string, string> {
  const keyField = system === "pdi" ? "apiToken" : "apiKey";
  return { ...(stored.extra ?? {}), [keyField]: stored.apiKey ?? "" };
}

export function connectorFor(system: IntegrationSystem, credentials: Record<string, string>, orgId: string, baseUrls: BaseUrls): Connector {
  return systems[system].connect(credentials, { baseUrl: baseUrls[system], limiter: limiterFor(orgId, system) });
}

/** The campaign's connector for a system, or null when it is not connected (inside the campaign's transaction). */
export async function storedConnector(tx: Transaction, orgId: string, system: IntegrationSystem, baseUrls: BaseUrls): Promise<Connector | null> {
  const stored = await getIntegrationCredentials(tx, orgId, system);
  return stored ? connectorFor(system, fromStoredCredentials(system, stored as never), orgId, baseUrls) : null;
}

export type RemoteCheck = { ok: true; codes: RemoteCodes } | { ok: false; reason: IntegrationError["code"]; message: string };

/** Verifies credentials and fetches the codes to map (no transaction is open meanwhile). */
export async function verifyAndListCodes(connector: Connector): Promise<RemoteCheck> {
  try {
    await connector.verify();
    return { ok: true, codes: await connector.listCodes() };
  } catch (err) {
    if (err instanceof IntegrationError) return { ok: false, reason: err.code, message: err.message };
    throw err;
  }
}

/** Stores verified credentials sealed, with the codes fetched with them; the mapping starts empty. */
export async function saveConnection(tx: Transaction, who: Who & { connectedBy: string | null }, system: IntegrationSystem, credentials: Record<string, string>, codes: RemoteCodes): Promise<void> {
  await connectIntegration(tx, who.orgId, { provider: system, credentials: toStoredCredentials(system, credentials), connectedBy: who.connectedBy });
  await tx
    .insert(integrationSettings)
    .values({ orgId: who.orgId, system, codes, codesFetchedAt: new Date(), mapping: {} })
    .onConflictDoUpdate({ target: [integrationSettings.orgId, integrationSettings.system], set: { codes, codesFetchedAt: new Date(), updatedAt: new Date() } });
  await recordAuditEvent(tx, { orgId: who.orgId, actor: who.actor, action: "integration.connected", target: { type: "integration", id: system }, metadata: { system }, requestId: who.requestId });
}

export async function recordVerifyFailure(tx: Transaction, who: Who, system: IntegrationSystem, reason: IntegrationError["code"]): Promise<void> {
  await recordAuditEvent(tx, { orgId: who.orgId, actor: who.actor, action: "integration.verify_failed", target: { type: "integration", id: system }, metadata: { system, reason }, requestId: who.requestId });
}

export async function storeCodes(tx: Transaction, who: Who, system: IntegrationSystem, codes: RemoteCodes): Promise<void> {
  const updated = await tx
    .update(integrationSettings)
    .set({ codes, codesFetchedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(integrationSettings.orgId, who.orgId), eq(integrationSettings.system, system)))
    .returning({ system: integrationSettings.system });
  if (updated.length === 0) throw new RuleError("This system is not connected.");
  await recordAuditEvent(tx, { orgId: who.orgId, actor: who.actor, action: "integration.codes_refreshed", target: { type: "integration", id: system }, metadata: { system }, requestId: who.requestId });
}

/** Saves the mapping after checking every target against the stored codes; refusals come back by field. */
export async function saveMapping(tx: Transaction, who: Who, system: IntegrationSystem, input: unknown): Promise<IntegrationMapping> {
  const [row] = await tx
    .select({ codes: integrationSettings.codes })
    .from(integrationSettings)
    .where(and(eq(integrationSettings.orgId, who.orgId), eq(integrationSettings.system, system)))
    .for("update");
  if (!row) throw new RuleError("This system is not connected.");
  const mapping = mappingSchema.parse(input);
  const errors = checkMapping(mapping, (row.codes as RemoteCodes) ?? emptyCodes);
  if (Object.keys(errors).length) throw new RuleError("Some choices are no longer offered by the system.", { fieldErrors: errors });
  await tx.update(integrationSettings).set({ mapping, updatedAt: new Date() }).where(and(eq(integrationSettings.orgId, who.orgId), eq(integrationSettings.system, system)));
  await recordAuditEvent(tx, {
    orgId: who.orgId,
    actor: who.actor,
    action: "integration.mapping_changed",
    target: { type: "integration", id: system },
    metadata: { system, mapped: mappedCount(mapping) },
    requestId: who.requestId,
  });
  return mapping;
}

/** Disconnect: the sealed credential row goes at once, queued outcomes are cancelled, the log stays. */
export async function disconnectSystem(tx: Transaction, who: Who, system: IntegrationSystem): Promise<{ cancelled: number }> {
  if (!(await disconnectIntegration(tx, who.orgId, system))) throw new RuleError("This system is not connected.");
  await tx.delete(integrationSettings).where(and(eq(integrationSettings.orgId, who.orgId), eq(integrationSettings.system, system)));
  const cancelled = await tx
    .update(integrationSyncs)
    .set({ status: "cancelled", finishedAt: new Date(), error: "Disconnected before it was sent" })
    .where(and(eq(integrationSyncs.orgId, who.orgId), eq(integrationSyncs.system, system), eq(integrationSyncs.status, "queued")))
    .returning({ id: integrationSyncs.id });
  await recordAuditEvent(tx, {
    orgId: who.orgId,
    actor: who.actor,
    action: "integration.disconnected",
    target: { type: "integration", id: system },
    metadata: { system, cancelled: cancelled.length },
    requestId: who.requestId,
  });
  return { cancelled: cancelled.length };
}

/** "Sync now": failed outcomes are queued again and the push job starts (one per campaign at a time). */
export async function requestSync(tx: Transaction, orgId: string, system: IntegrationSystem): Promise<{ queued: number }> {
  const [connected] = await tx.select({ id: integrationSecrets.id }).from(integrationSecrets).where(and(eq(integrationSecrets.orgId, orgId), eq(integrationSecrets.provider, system)));
  if (!connected) throw new RuleError("This system is not connected.");
  await tx
    .update(integrationSyncs)
    .set({ status: "queued", attempts: 0, nextAttemptAt: new Date(), error: null, finishedAt: null })
    .where(and(eq(integrationSyncs.orgId, orgId), eq(integrationSyncs.system, system), eq(integrationSyncs.status, "failed")));
  await tx.update(integrationSyncs).set({ nextAttemptAt: new Date() }).where(and(eq(integrationSyncs.orgId, orgId), eq(integrationSyncs.system, system), eq(integrationSyncs.status, "queued")));
  const [{ n }] = (await tx
    .select({ n: count() })
    .from(integrationSyncs)
    .where(and(eq(integrationSyncs.orgId, orgId), eq(integrationSyncs.system, system), eq(integrationSyncs.status, "queued")))) as [{ n: number }];
  if (n > 0) await enqueueJob(tx, { kind: PUSH_JOB, orgId, dedupeKey: `${PUSH_JOB}:${orgId}`, maxAttempts: 3 });
  return { queued: Number(n) };
}

export type IntegrationStatus = {
  system: IntegrationSystem;
  label: string;
  connection: { connectedBy: string | null; connectedAt: Date; codes: RemoteCodes; codesFetchedAt: Date | null; mapping: IntegrationMapping } | null;
  counts: Record<IntegrationSyncStatus, number>;
  lastSentAt: Date | null;
  lastError: { message: string; at: Date } | null;
};

/** The integrations page: every system, connected or not, with its sync counts and last error in words. */
export async function integrationsOverview(tx: Transaction, orgId: string): Promise<IntegrationStatus[]> {
  const connected = await tx
    .select({ system: integrationSecrets.provider, createdAt: integrationSecrets.createdAt, connectedBy: users.name, codes: integrationSettings.codes, codesFetchedAt: integrationSettings.codesFetchedAt, mapping: integrationSettings.mapping })
    .from(integrationSecrets)
    .leftJoin(users, eq(users.id, integrationSecrets.connectedBy))
    .leftJoin(integrationSettings, and(eq(integrationSettings.orgId, integrationSecrets.orgId), eq(integrationSettings.system, integrationSecrets.provider)))
    .where(and(eq(integrationSecrets.orgId, orgId), inArray(integrationSecrets.provider, [...integrationSystems])));
  const counts = await tx
    .select({ system: integrationSyncs.system, status: integrationSyncs.status, n: count(), lastSent: max(sql<Date>`case when ${integrationSyncs.status} = 'sent' then ${integrationSyncs.finishedAt} end`) })
    .from(integrationSyncs)
    .where(eq(integrationSyncs.orgId, orgId))
    .groupBy(integrationSyncs.system, integrationSyncs.status);
  const errors = await tx
    .selectDistinctOn([integrationSyncs.system], { system: integrationSyncs.system, error: integrationSyncs.error, at: integrationSyncs.finishedAt })
    .from(integrationSyncs)
    .where(and(eq(integrationSyncs.orgId, orgId), eq(integrationSyncs.status, "failed")))
    .orderBy(integrationSyncs.system, desc(integrationSyncs.finishedAt));
  return integrationSystems.map((system) => {
    const c = connected.find((r) => r.system === system);
    const mine = counts.filter((r) => r.system === system);
    const error = errors.find((e) => e.system === system);
    const sent = mine.find((r) => r.status === "sent")?.lastSent;
    return {
      system,
      label: systems[system].label,
      connection: c
        ? { connectedBy: c.connectedBy, connectedAt: c.createdAt, codes: (c.codes as RemoteCodes) ?? emptyCodes, codesFetchedAt: c.codesFetchedAt, mapping: mappingSchema.catch({ outcomes: {}, answers: {} }).parse(c.mapping ?? {}) }
        : null,
      counts: Object.fromEntries(["queued", "sent", "skipped", "failed", "cancelled"].map((s) => [s, Number(mine.find((r) => r.status === s)?.n ?? 0)])) as Record<IntegrationSyncStatus, number>,
      lastSentAt: sent ? new Date(sent) : null,
      lastError: error?.error && error.at ? { message: error.error, at: error.at } : null,
    };
  });
}

export type ContactSync = { system: IntegrationSystem; label: string; status: IntegrationSyncStatus; error: string | null; at: Date };

/** A contact's external id and each system's latest sync of it, for managers on the contact page. */
export async function contactIntegration(tx: Transaction, orgId: string, contactId: string): Promise<{ externalId: string | null; syncs: ContactSync[] }> {
  const [row] = await tx.select({ externalId: contacts.externalId }).from(contacts).where(and(eq(contacts.orgId, orgId), eq(contacts.id, contactId)));
  return { externalId: row?.externalId ?? null, syncs: await contactSyncStatus(tx, orgId, contactId) };
}

/** Each system's latest sync of one contact. */
export async function contactSyncStatus(tx: Transaction, orgId: string, contactId: string): Promise<ContactSync[]> {
  const rows = await tx
    .selectDistinctOn([integrationSyncs.system], { system: integrationSyncs.system, status: integrationSyncs.status, error: integrationSyncs.error, queuedAt: integrationSyncs.queuedAt, finishedAt: integrationSyncs.finishedAt })
    .from(integrationSyncs)
    .where(and(eq(integrationSyncs.orgId, orgId), eq(integrationSyncs.contactId, contactId)))
    .orderBy(integrationSyncs.system, desc(integrationSyncs.queuedAt));
  return rows.map((r) => ({ system: r.system, label: systems[r.system].label, status: r.status, error: r.error, at: r.finishedAt ?? r.queuedAt }));
}
