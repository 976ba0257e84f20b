import "server-only";
import { and, asc, count, desc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import {
  breachSwitches,
  incidentCampaigns,
  incidentEntries,
  incidents,
  incidentSeverities,
  incidentStatuses,
  memberships,
  organizations,
  users,
  type BreachSwitch,
  type Incident,
  type IncidentSeverity,
  type IncidentStatus,
} from "@/db/schema";
import { recordAuditEvent, type AuditActor } from "@/lib/audit";
import type { AuditEventInput } from "@/lib/audit/record";
import type { Database, Transaction } from "@/lib/db";
import { enterTenant, withSystem } from "@/lib/db/tenant";
import { NotFoundError, RuleError } from "@/lib/errors";
import type { Mailer } from "@/lib/mail";
import { isSlug, uuidSchema } from "@/lib/validation/ids";

/**
 * Security incidents: platform staff record them (system scope, every step audited in the platform chain and in the
 * chain of each affected campaign), owners of affected campaigns are told in the app and by mail with the text staff
 * wrote, and acknowledge per campaign. Audit metadata carries enums and counts; the text stays in the incident rows.
 */

export type StaffActor = { id: string };

const text = (min: number, max: number, tooShort: string) => z.string().trim().min(min, tooShort).max(max, `At most ${max} characters.`);

/** "a, b c" → ["a", "b", "c"]: campaign addresses as staff type them, each a valid slug, no duplicates. */
const campaignSlugs = z
  .string()
  .max(2000)
  .transform((value) => [...new Set(value.split(/[\s,]+/).filter(Boolean))])
  .pipe(z.array(z.string().refine(isSlug, "Campaign addresses are lowercase letters, digits and dashes.")).max(50, "At most 50 campaigns."));

/** Checkboxes named `switch_<name>`: a form sends "on" for each one ticked. */
const switchFields = Object.fromEntries(breachSwitches.map((s) => [`switch_${s}`, z.literal("on").optional()])) as Record<`switch_${BreachSwitch}`, z.ZodOptional<z.ZodLiteral<"on">>>;
const switchesUsed = (input: Partial<Record<`switch_${BreachSwitch}`, "on" | undefined>>): BreachSwitch[] => breachSwitches.filter((s) => input[`switch_${s}`] === "on");

export const breachSwitchLabels: Record<BreachSwitch, string> = {
  account_disabled: "Account disabled",
  campaign_suspended: "Campaign suspended",
  member_disabled: "Member access disabled by an owner",
  sessions_revoked: "Sessions revoked",
  keys_rotated: "Keys rotated",
};

export const createIncidentSchema = z
  .object({
    title: text(5, 200, "Give the incident a short title (at least 5 characters)."),
    summary: text(20, 5000, "Say what happened in a few sentences (at least 20 characters): owners read exactly this."),
    severity: z.enum(incidentSeverities, "Choose a severity."),
    campaigns: campaignSlugs,
    ...switchFields,
  })
  .transform(({ title, summary, severity, campaigns, ...rest }) => ({ title, summary, severity, campaigns, breachSwitches: switchesUsed(rest) }));
export type CreateIncidentInput = z.output<typeof createIncidentSchema>;

export const incidentEntrySchema = z.object({ incidentId: uuidSchema, body: text(5, 5000, "Write what happened or what was done (at least 5 characters).") });

export const incidentStatusSchema = z.object({
  incidentId: uuidSchema,
  status: z.enum(incidentStatuses, "Choose a status."),
  debrief: z.string().trim().max(10_000, "At most 10,000 characters.").optional(),
});

export const breachSwitchesSchema = z
  .object({ incidentId: uuidSchema, ...switchFields })
  .transform(({ incidentId, ...rest }) => ({ incidentId, breachSwitches: switchesUsed(rest) }));

export const acknowledgeIncidentSchema = z.object({ incidentId: uuidSchema });

/** An audit event without its chain, actor and target, which every step of an incident sets the same way. */
type IncidentEvent = AuditEventInput extends infer E ? (E extends AuditEventInput ? Omit<E, "orgId" | "actor" | "target"> : never) : never;

/** One step of an incident: in the platform's chain and in the chain of every affected campaign (system scope). */
async function recordIncidentStep(tx: Transaction, incidentId: string, actor: AuditActor, event: IncidentEvent): Promise<void> {
  const target = { type: "incident" as const, id: incidentId };
  await recordAuditEvent(tx, { ...event, orgId: null, actor, target } as AuditEventInput);
  for (const orgId of await affectedOrgIds(tx, incidentId)) {
    await enterTenant(tx, { orgId });
    await recordAuditEvent(tx, { ...event, orgId, actor, target } as AuditEventInput);
  }
}

async function affectedOrgIds(tx: Transaction, incidentId: string): Promise<string[]> {
  const rows = await tx.select({ orgId: incidentCampaigns.orgId }).from(incidentCampaigns).where(eq(incidentCampaigns.incidentId, incidentId)).orderBy(asc(incidentCampaigns.orgId));
  return rows.map((r) => r.orgId);
}

async function lockIncident(tx: Transaction, incidentId: string): Promise<Incident> {
  const [row] = await tx.select().from(incidents).where(eq(incidents.id, incidentId)).for("update");
  if (!row) throw new NotFoundError("No incident has that id.");
  return row;
}

const staff = (actor: StaffActor): AuditActor => ({ kind: "staff", id: uuidSchema.parse(actor.id) });

/** Records an incident and its affected campaigns; owners are then notified (see notifyAffectedOwners). */
export async function createIncident(db: Database, actor: StaffActor, input: CreateIncidentInput): Promise<{ id: string }> {
  return withSystem(db, async (tx) => {
    const found = input.campaigns.length
      ? await tx.select({ id: organizations.id, slug: organizations.slug }).from(organizations).where(inArray(organizations.slug, input.campaigns))
      : [];
    const unknown = input.campaigns.filter((slug) => !found.some((o) => o.slug === slug));
    if (unknown.length) throw new RuleError("Some campaigns were not found.", { fieldErrors: { campaigns: `No campaign has the address ${unknown.join(", ")}.` } });
    const [row] = await tx
      .insert(incidents)
      .values({ title: input.title, summary: input.summary, severity: input.severity, breachSwitches: input.breachSwitches, createdBy: actor.id })
      .returning({ id: incidents.id });
    const id = row!.id;
    if (found.length) await tx.insert(incidentCampaigns).values(found.map((o) => ({ incidentId: id, orgId: o.id })));
    await recordIncidentStep(tx, id, staff(actor), { action: "incident.created", metadata: { severity: input.severity } });
    if (input.breachSwitches.length) await recordIncidentStep(tx, id, staff(actor), { action: "incident.switches_recorded", metadata: { switches: input.breachSwitches } });
    return { id };
  });
}

export async function addIncidentEntry(db: Database, actor: StaffActor, input: z.output<typeof incidentEntrySchema>): Promise<void> {
  await withSystem(db, async (tx) => {
    const incident = await lockIncident(tx, input.incidentId);
    if (incident.status === "resolved") throw new RuleError("This incident is resolved; its timeline is closed.");
    await tx.insert(incidentEntries).values({ incidentId: incident.id, body: input.body, createdBy: actor.id });
    await tx.update(incidents).set({ updatedAt: new Date() }).where(eq(incidents.id, incident.id));
    await recordIncidentStep(tx, incident.id, staff(actor), { action: "incident.entry_added", metadata: { status: incident.status } });
  });
}

/** Forward only: open → contained → resolved (open → resolved when it was contained on discovery). Resolving needs a debrief. */
const nextStatuses: Record<IncidentStatus, IncidentStatus[]> = { open: ["contained", "resolved"], contained: ["resolved"], resolved: [] };

export async function changeIncidentStatus(db: Database, actor: StaffActor, input: z.output<typeof incidentStatusSchema>): Promise<void> {
  await withSystem(db, async (tx) => {
    const incident = await lockIncident(tx, input.incidentId);
    if (!nextStatuses[incident.status].includes(input.status))
      throw new RuleError(`An incident that is ${incident.status} cannot become ${input.status}.`, { fieldErrors: { status: "Statuses only move forward: open, contained, resolved." } });
    const debrief = input.debrief?.trim() ?? "";
    if (input.status === "resolved" && debrief.length < 20)
      throw new RuleError("Write the debrief before resolving.", { fieldErrors: { debrief: "A debrief of at least 20 characters: cause, impact, what changes so it does not happen again." } });
    const now = new Date();
    await tx
      .update(incidents)
      .set({
        status: input.status,
        containedAt: incident.containedAt ?? now,
        resolvedAt: input.status === "resolved" ? now : null,
        debrief: input.status === "resolved" ? debrief : incident.debrief,
        updatedAt: now,
      })
      .where(eq(incidents.id, incident.id));
    await recordIncidentStep(tx, incident.id, staff(actor), { action: "incident.status_changed", metadata: { from: incident.status, to: input.status } });
  });
}

export async function recordBreachSwitches(db: Database, actor: StaffActor, input: z.output<typeof breachSwitchesSchema>): Promise<void> {
  await withSystem(db, async (tx) => {
    const incident = await lockIncident(tx, input.incidentId);
    await tx.update(incidents).set({ breachSwitches: input.breachSwitches, updatedAt: new Date() }).where(eq(incidents.id, incident.id));
    await recordIncidentStep(tx, incident.id, staff(actor), { action: "incident.switches_recorded", metadata: { switches: input.breachSwitches } });
  });
}

export type NotifyDeps = { mailer: Mailer; appUrl: string };
export type NotifyResult = { campaigns: number; mails: number; failed: number };

const severityWords: Record<IncidentSeverity, string> = { low: "Low", medium: "Medium", high: "High", critical: "Critical" };

/**
 * Tells the owners of every affected campaign not yet notified: one mail per active owner with the text staff wrote,
 * and the banner (which shows from the moment the campaign is linked). Each campaign is claimed, mailed and recorded
 * in one transaction: a failed mail rolls its campaign back so the next call sends it again, and no owner gets two.
 */
export async function notifyAffectedOwners(db: Database, incidentId: string, deps: NotifyDeps): Promise<NotifyResult> {
  const pending = await withSystem(db, (tx) =>
    tx
      .select({ orgId: incidentCampaigns.orgId })
      .from(incidentCampaigns)
      .where(and(eq(incidentCampaigns.incidentId, incidentId), isNull(incidentCampaigns.notifiedAt))),
  );
  const result: NotifyResult = { campaigns: 0, mails: 0, failed: 0 };
  for (const { orgId } of pending) {
    try {
      result.mails += await withSystem(db, async (tx) => {
        const [claimed] = await tx
          .update(incidentCampaigns)
          .set({ notifiedAt: new Date() })
          .where(and(eq(incidentCampaigns.incidentId, incidentId), eq(incidentCampaigns.orgId, orgId), isNull(incidentCampaigns.notifiedAt)))
          .returning({ orgId: incidentCampaigns.orgId });
        if (!claimed) return 0;
        const [incident] = await tx.select().from(incidents).where(eq(incidents.id, incidentId));
        const [org] = await tx.select({ slug: organizations.slug, name: organizations.name }).from(organizations).where(eq(organizations.id, orgId));
        const owners = await tx
          .select({ email: users.email })
          .from(memberships)
          .innerJoin(users, eq(users.id, memberships.userId))
          .where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner"), isNull(memberships.disabledAt), isNull(users.disabledAt)));
        const actor: AuditActor = { kind: "system" };
        const target = { type: "incident" as const, id: incidentId };
        await enterTenant(tx, { orgId });
        await recordAuditEvent(tx, { orgId, actor, target, action: "incident.notified", metadata: { channel: "app", recipients: owners.length } });
        await recordAuditEvent(tx, { orgId, actor, target, action: "incident.notified", metadata: { channel: "mail", recipients: owners.length } });
        for (const owner of owners) await deps.mailer.send(incidentMail(owner.email, incident!, org!, deps.appUrl));
        return owners.length;
      });
      result.campaigns += 1;
    } catch {
      result.failed += 1;
    }
  }
  return result;
}

function incidentMail(to: string, incident: Incident, org: { slug: string; name: string }, appUrl: string) {
  return {
    to,
    subject: `Security incident affecting ${org.name}: ${incident.title}`,
    text: [
      `Rampart has recorded a security incident that affects your campaign ${org.name}.`,
      "",
      `${incident.title}`,
      `Severity: ${severityWords[incident.severity]}. Status: ${incident.status}.`,
      "",
      incident.summary,
      "",
      `Read the timeline and acknowledge it here: ${new URL(`/o/${org.slug}`, appUrl).toString()}`,
      "The incident also appears in your campaign's activity feed. Reply to this mail if you have questions.",
    ].join("\n"),
  };
}

export type IncidentView = Incident & {
  entries: { id: string; body: string; createdAt: Date }[];
  campaigns: { slug: string; name: string; notifiedAt: Date | null; acknowledgedAt: Date | null }[];
};

/** Everything staff see on /staff/incidents, newest first. */
export async function listIncidentsForStaff(db: Database, limit = 50): Promise<IncidentView[]> {
  return withSystem(db, async (tx) => {
    const rows = await tx.select().from(incidents).orderBy(desc(incidents.createdAt)).limit(limit);
    return attachDetails(tx, rows, true);
  });
}

async function attachDetails(tx: Transaction, rows: Incident[], withCampaigns: boolean): Promise<IncidentView[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const entries = await tx.select().from(incidentEntries).where(inArray(incidentEntries.incidentId, ids)).orderBy(asc(incidentEntries.createdAt));
  const campaigns = withCampaigns
    ? await tx
        .select({ incidentId: incidentCampaigns.incidentId, slug: organizations.slug, name: organizations.name, notifiedAt: incidentCampaigns.notifiedAt, acknowledgedAt: incidentCampaigns.acknowledgedAt })
        .from(incidentCampaigns)
        .innerJoin(organizations, eq(organizations.id, incidentCampaigns.orgId))
        .where(inArray(incidentCampaigns.incidentId, ids))
        .orderBy(asc(organizations.slug))
    : [];
  return rows.map((r) => ({
    ...r,
    entries: entries.filter((e) => e.incidentId === r.id).map(({ id, body, createdAt }) => ({ id, body, createdAt })),
    campaigns: campaigns.filter((c) => c.incidentId === r.id).map((c) => ({ slug: c.slug, name: c.name, notifiedAt: c.notifiedAt, acknowledgedAt: c.acknowledgedAt })),
  }));
}

/**
 * The campaign's incidents no owner has acknowledged yet, for the owners' banner. Runs in the person's tenant
 * transaction: RLS shows only incidents linked to this campaign, and only to its owners, admins and support.
 */
export async function unacknowledgedIncidents(tx: Transaction, orgId: string): Promise<IncidentView[]> {
  const rows = await tx
    .select({ incident: incidents })
    .from(incidentCampaigns)
    .innerJoin(incidents, eq(incidents.id, incidentCampaigns.incidentId))
    .where(and(eq(incidentCampaigns.orgId, orgId), isNull(incidentCampaigns.acknowledgedAt)))
    .orderBy(desc(incidents.createdAt));
  return attachDetails(
    tx,
    rows.map((r) => r.incident),
    false,
  );
}

/** An owner acknowledges for their campaign (RLS: owners only, once, in their own name). */
export async function acknowledgeIncident(tx: Transaction, viewer: { orgId: string; userId: string }, incidentId: string): Promise<void> {
  const [row] = await tx
    .update(incidentCampaigns)
    .set({ acknowledgedAt: new Date(), acknowledgedBy: viewer.userId })
    .where(and(eq(incidentCampaigns.incidentId, incidentId), eq(incidentCampaigns.orgId, viewer.orgId), isNull(incidentCampaigns.acknowledgedAt)))
    .returning({ incidentId: incidentCampaigns.incidentId });
  if (!row) throw new NotFoundError("This incident is not open for acknowledgement here (already acknowledged, or not about this campaign).");
  await recordAuditEvent(tx, { orgId: viewer.orgId, actor: { kind: "member", id: viewer.userId }, action: "incident.acknowledged", target: { type: "incident", id: incidentId } });
}

/** For /security: how many incidents were resolved in the last twelve months. A count, nothing else leaves. */
export async function resolvedIncidentCount(db: Database, now = new Date()): Promise<number> {
  const since = new Date(now.getTime() - 365 * 24 * 60 * 60 * 1000);
  const [row] = await withSystem(db, (tx) =>
    tx
      .select({ n: count() })
      .from(incidents)
      .where(and(eq(incidents.status, "resolved"), gt(incidents.resolvedAt, since), sql`${incidents.resolvedAt} <= ${now}`)),
  );
  return row?.n ?? 0;
}
