import { sql } from "drizzle-orm";
import { check, foreignKey } from "drizzle-orm/pg-core";
import { index, oneOf, pgTable, primaryKey, text, timestamptz, uuid } from "./columns";
import { users } from "./accounts";
import { organizations } from "./organizations";

export const incidentSeverities = ["low", "medium", "high", "critical"] as const;
export type IncidentSeverity = (typeof incidentSeverities)[number];
export const incidentStatuses = ["open", "contained", "resolved"] as const;
export type IncidentStatus = (typeof incidentStatuses)[number];
/** The breach switches of lib/tenancy/breach.ts (and the owners' own) an incident may have used. */
export const breachSwitches = ["account_disabled", "campaign_suspended", "member_disabled", "sessions_revoked", "keys_rotated"] as const;
export type BreachSwitch = (typeof breachSwitches)[number];

/**
 * Security incidents recorded by platform staff. Not a tenant table: staff write it in the system scope; a
 * campaign's owners and admins read the incidents that affect their campaign (RLS through incident_campaigns).
 */
export const incidents = pgTable(
  "incidents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    title: text("title").notNull(),
    /** What happened, in the words staff chose for the affected campaigns. */
    summary: text("summary").notNull(),
    severity: text("severity").$type<IncidentSeverity>().notNull(),
    status: text("status").$type<IncidentStatus>().notNull().default("open"),
    breachSwitches: text("breach_switches").array().$type<BreachSwitch[]>().notNull().default(sql`'{}'::text[]`),
    debrief: text("debrief"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    containedAt: timestamptz("contained_at"),
    resolvedAt: timestamptz("resolved_at"),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    check("incidents_severity", oneOf(t.severity, incidentSeverities)),
    check("incidents_status", oneOf(t.status, incidentStatuses)),
    check("incidents_breach_switches", sql`${t.breachSwitches} <@ ARRAY[${sql.raw(breachSwitches.map((s) => `'${s}'`).join(", "))}]::text[]`),
    check("incidents_resolved_has_debrief", sql`${t.status} <> 'resolved' OR (${t.debrief} IS NOT NULL AND length(btrim(${t.debrief})) > 0 AND ${t.resolvedAt} IS NOT NULL)`),
    index("incidents_resolved_idx").on(t.resolvedAt),
  ],
);

/** The timeline: dated entries staff add while the incident runs. */
export const incidentEntries = pgTable(
  "incident_entries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id, { onDelete: "cascade" }),
    body: text("body").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [index("incident_entries_incident_idx").on(t.incidentId, t.createdAt)],
);

/**
 * Which campaigns an incident affects, when their owners were notified and when one of them acknowledged it.
 * Acknowledgement is per campaign: the first owner who acknowledges clears the banner for every owner, and is named.
 */
export const incidentCampaigns = pgTable(
  "incident_campaigns",
  {
    incidentId: uuid("incident_id").notNull(),
    orgId: uuid("org_id").notNull(),
    notifiedAt: timestamptz("notified_at"),
    acknowledgedAt: timestamptz("acknowledged_at"),
    acknowledgedBy: uuid("acknowledged_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    primaryKey({ columns: [t.incidentId, t.orgId] }),
    foreignKey({ columns: [t.incidentId], foreignColumns: [incidents.id] }).onDelete("cascade"),
    foreignKey({ columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete("cascade"),
    index("incident_campaigns_org_idx").on(t.orgId),
  ],
);

export type Incident = typeof incidents.$inferSelect;
export type IncidentEntry = typeof incidentEntries.$inferSelect;
export type IncidentCampaign = typeof incidentCampaigns.$inferSelect;
