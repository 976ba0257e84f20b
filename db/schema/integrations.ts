import { check, primaryKey } from "drizzle-orm/pg-core";
import { index, integer, jsonb, oneOf, pgTable, text, timestamptz, uuid } from "./columns";
import { organizations } from "./organizations";
import { contacts, reports } from "./workspace";

/**
 * A campaign's connections to VAN, PDI or Salsa (lib/integrations). The credential itself is a sealed row of
 * integration_secrets (provider = the system); these tables hold what is not secret: the remote codes fetched with
 * the key, the campaign's mapping to them, and the log of outcomes sent, which outlives a disconnect.
 */
export const integrationSystemIds = ["van", "pdi", "salsa"] as const;
export const integrationSyncStatuses = ["queued", "sent", "skipped", "failed", "cancelled"] as const;
export type IntegrationSyncStatus = (typeof integrationSyncStatuses)[number];

export const integrationSettings = pgTable(
  "integration_settings",
  {
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    system: text("system").$type<(typeof integrationSystemIds)[number]>().notNull(),
    /** The remote system's codes (names and ids of activist codes, questions…), never personal data. */
    codes: jsonb("codes").$type<unknown>().notNull().default({}),
    codesFetchedAt: timestamptz("codes_fetched_at"),
    /** Rampart outcome / survey answer → remote code ids (lib/integrations/mapping.ts). */
    mapping: jsonb("mapping").$type<unknown>().notNull().default({}),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.system] }), check("integration_settings_system", oneOf(t.system, integrationSystemIds))],
);

export const integrationSyncs = pgTable(
  "integration_syncs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    system: text("system").$type<(typeof integrationSystemIds)[number]>().notNull(),
    reportId: uuid("report_id").references(() => reports.id, { onDelete: "set null" }),
    contactId: uuid("contact_id").references(() => contacts.id, { onDelete: "set null" }),
    status: text("status").$type<IntegrationSyncStatus>().notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    /** Why the last attempt failed, in words from lib/integrations (never a value sent or received). */
    error: text("error"),
    nextAttemptAt: timestamptz("next_attempt_at").notNull().defaultNow(),
    queuedAt: timestamptz("queued_at").notNull().defaultNow(),
    finishedAt: timestamptz("finished_at"),
  },
  (t) => [
    index("integration_syncs_due_idx").on(t.orgId, t.status, t.nextAttemptAt),
    index("integration_syncs_contact_idx").on(t.contactId),
    index("integration_syncs_report_idx").on(t.reportId, t.system),
    check("integration_syncs_status", oneOf(t.status, integrationSyncStatuses)),
    check("integration_syncs_system", oneOf(t.system, integrationSystemIds)),
  ],
);

export type IntegrationSync = typeof integrationSyncs.$inferSelect;
