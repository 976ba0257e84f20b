import { sql } from "drizzle-orm";
import { check, primaryKey, uniqueIndex } from "drizzle-orm/pg-core";
import { index, integer, jsonb, oneOf, pgTable, text, timestamptz, uuid } from "./columns";
import { users } from "./accounts";
import { organizations } from "./organizations";
import { byteArrays, bytes, sealed } from "./crypto";

/**
 * The campaign workspace: contacts, lists, actions, outreach reports, deletion requests. Every table
 * is a tenant table under RLS (migration 0013); personal values are sealed() per field under the
 * campaign's data key (lib/contacts/sealed.ts), exact lookups go through keyed blind indexes.
 */

export const contactSources = ["manual", "import", "sync", "api"] as const;
export type ContactSource = (typeof contactSources)[number];

/** A postal address, sealed as one value. */
export type ContactAddress = { line1?: string; line2?: string; city?: string; region?: string; postcode?: string; country?: string };
/** A contact's reach-out fields as sealed together in contacts.card (a member without a value is left out). */
export type ContactCard = { name: string; email?: string | null; phone?: string | null; address?: ContactAddress | null };

export const contacts = pgTable(
  "contacts",
  {
    id: uuid("id").primaryKey(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /**
     * The reach-out fields (name, email, phone, address) sealed together as one value, one OpenPGP message per row
     * (lib/contacts/sealed.ts). Notes stay a value of their own: a volunteer's read never carries them.
     */
    card: sealed<ContactCard>("card"),
    /**
     * The same fields one value per column, as rows written before the card (migration 0028) hold them until the pack
     * job moves them into it; a row holds one form or the other (checks below). Read through lib/contacts only.
     */
    name: sealed<string>("name"),
    email: sealed<string>("email"),
    phone: sealed<string>("phone"),
    address: sealed<ContactAddress>("address"),
    notes: sealed<string>("notes"),
    /** HMAC of the normalised email / phone under the campaign's index key (lib/crypto/blind-index.ts). */
    emailIndex: bytes("email_index"),
    phoneIndex: bytes("phone_index"),
    /**
     * Name search without names in clear: each word of the name folded and its prefixes (3 to 12 characters) stored
     * as keyed HMACs truncated to 12 bytes (lib/contacts/name-tokens.ts). A column of the row, not a table of their own,
     * so they are written in the same statement, follow the row's RLS, and go with it.
     */
    nameTokens: byteArrays("name_tokens").notNull().default(sql`'{}'::bytea[]`),
    /** Campaign labels ("donor", "ward-5"): chosen by the campaign, never personal values. */
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    /** The contact's id in another system (a VAN ID, a CRM key): an opaque identifier imports match on. */
    externalId: text("external_id"),
    assignedTo: uuid("assigned_to").references(() => users.id, { onDelete: "set null" }),
    /**
     * Set when a member synced the contact from their own address book: it is theirs. Managers see it only
     * after that member completed a report on it; the member can delete it for real from /settings/privacy.
     */
    syncedBy: uuid("synced_by").references(() => users.id, { onDelete: "cascade" }),
    source: text("source").$type<ContactSource>().notNull().default("manual"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    /**
     * The import that created the contact, and its row in that file: the import's history of the contacts it
     * created, kept on the contact itself so it goes with the contact when it is deleted and costs the import no row
     * of its own (migration 0031). Cleared when the import's history expires (lib/imports/service.ts sweepImports),
     * so it is not a foreign key: a check per imported row would cost the hottest write path for nothing.
     */
    importId: uuid("import_id"),
    importRow: integer("import_row"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    // An import's created contacts in file order (its rollback, its result file); only imported contacts are in it.
    index("contacts_import_idx").on(t.orgId, t.importId, t.importRow).where(sql`${t.importId} is not null`),
    check("contacts_import_row", sql`(${t.importId} is null) = (${t.importRow} is null)`),
    index("contacts_org_created_idx").on(t.orgId, t.createdAt, t.id),
    index("contacts_email_index_idx").on(t.orgId, t.emailIndex),
    index("contacts_phone_index_idx").on(t.orgId, t.phoneIndex),
    index("contacts_external_id_idx").on(t.orgId, t.externalId),
    // Partial: most contacts are neither assigned nor synced, and an import should not pay for indexing their nulls.
    index("contacts_assigned_idx").on(t.orgId, t.assignedTo).where(sql`${t.assignedTo} is not null`),
    index("contacts_synced_idx").on(t.syncedBy, t.orgId).where(sql`${t.syncedBy} is not null`),
    index("contacts_tags_idx").using("gin", t.tags),
    index("contacts_name_tokens_idx").using("gin", t.nameTokens),
    check("contacts_source", oneOf(t.source, contactSources)),
    check("contacts_synced_source", sql`${t.syncedBy} is null or ${t.source} = 'sync'`),
    check("contacts_card_or_columns", sql`(${t.card} is not null and ${t.name} is null and ${t.email} is null and ${t.phone} is null and ${t.address} is null) or (${t.card} is null and ${t.name} is not null)`),
    // Rows still in the per-column form, for the pack job to find (empty once every campaign is packed).
    index("contacts_per_column_idx").on(t.orgId, t.id).where(sql`${t.card} is null`),
  ],
);

/**
 * The tags the campaign's own contacts carry (not those of a member's synced address book), for the tag menus: kept by
 * every write of contacts (lib/contacts/tags-in-use.ts) so a menu never reads a whole campaign; a tag no campaign
 * contact carries any more leaves with the hourly chores. Tenant table under RLS (migration 0026).
 */
export const contactTagsInUse = pgTable(
  "contact_tags_in_use",
  {
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    tag: text("tag").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.tag] })],
);

export const contactLists = pgTable(
  "contact_lists",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("contact_lists_name_idx").on(t.orgId, t.name)],
);

export const contactListMembers = pgTable(
  "contact_list_members",
  {
    listId: uuid("list_id")
      .notNull()
      .references(() => contactLists.id, { onDelete: "cascade" }),
    contactId: uuid("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    addedAt: timestamptz("added_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.contactId] }), index("contact_list_members_contact_idx").on(t.contactId)],
);

export const actionKinds = ["call", "text", "canvass", "event", "petition"] as const;
export type ActionKind = (typeof actionKinds)[number];

export const actions = pgTable(
  "actions",
  {
    id: uuid("id").primaryKey(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    kind: text("kind").$type<ActionKind>().notNull(),
    title: text("title").notNull(),
    /** Scripts and instructions can name people and places: sealed. */
    instructions: sealed<string>("instructions"),
    startsAt: timestamptz("starts_at"),
    endsAt: timestamptz("ends_at"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
    /** Soft delete: out of every view, restorable from the trash until the purge job removes it. */
    deletedAt: timestamptz("deleted_at"),
    deletedBy: uuid("deleted_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    index("actions_org_idx").on(t.orgId, t.deletedAt, t.createdAt),
    // The live list's keyset order: "deleted_at is null" is no equality, so actions_org_idx cannot give created_at order.
    index("actions_org_live_created_idx").on(t.orgId, t.createdAt, t.id).where(sql`${t.deletedAt} is null`),
    check("actions_kind", oneOf(t.kind, actionKinds)),
    check("actions_dates", sql`${t.endsAt} is null or ${t.startsAt} is null or ${t.endsAt} >= ${t.startsAt}`),
  ],
);

export const actionAssignees = pgTable(
  "action_assignees",
  {
    actionId: uuid("action_id")
      .notNull()
      .references(() => actions.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.actionId, t.userId] }), index("action_assignees_user_idx").on(t.orgId, t.userId)],
);

export const actionTargets = pgTable(
  "action_targets",
  {
    actionId: uuid("action_id")
      .notNull()
      .references(() => actions.id, { onDelete: "cascade" }),
    contactId: uuid("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.actionId, t.contactId] }), index("action_targets_contact_idx").on(t.contactId)],
);

export const reportOutcomes = ["reached", "no_answer", "left_message", "wrong_number", "refused", "moved", "do_not_contact"] as const;
export type ReportOutcome = (typeof reportOutcomes)[number];

/** Survey answers: question key → answer, sealed as one value. */
export type ReportAnswers = Record<string, string>;

/** An outreach report by a member on one contact; a draft until completed. */
export const reports = pgTable(
  "reports",
  {
    id: uuid("id").primaryKey(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    contactId: uuid("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    actionId: uuid("action_id").references(() => actions.id, { onDelete: "set null" }),
    filedBy: uuid("filed_by").references(() => users.id, { onDelete: "set null" }),
    outcome: text("outcome").$type<ReportOutcome>().notNull(),
    answers: sealed<ReportAnswers>("answers"),
    completedAt: timestamptz("completed_at"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("reports_contact_idx").on(t.contactId, t.filedBy),
    index("reports_org_completed_idx").on(t.orgId, t.completedAt),
    index("reports_filed_by_idx").on(t.orgId, t.filedBy),
    check("reports_outcome", oneOf(t.outcome, reportOutcomes)),
  ],
);

export const deletionRequestStatuses = ["pending", "completed", "declined"] as const;
export type DeletionRequestStatus = (typeof deletionRequestStatuses)[number];
export const deletionDeclineReasons = ["not_found", "legal_obligation", "duplicate", "other"] as const;
export type DeletionDeclineReason = (typeof deletionDeclineReasons)[number];

/**
 * A person's request that one campaign delete what it holds on them, matched by the blind index of
 * their verified account email under that campaign's key. The requester reads its status; the
 * campaign's managers act on it.
 */
export const deletionRequests = pgTable(
  "deletion_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    requesterId: uuid("requester_id").references(() => users.id, { onDelete: "set null" }),
    emailIndex: bytes("email_index").notNull(),
    status: text("status").$type<DeletionRequestStatus>().notNull().default("pending"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    dueAt: timestamptz("due_at").notNull(),
    decidedBy: uuid("decided_by").references(() => users.id, { onDelete: "set null" }),
    decidedAt: timestamptz("decided_at"),
    declineReason: text("decline_reason").$type<DeletionDeclineReason>(),
    contactsDeleted: integer("contacts_deleted"),
  },
  (t) => [
    index("deletion_requests_org_idx").on(t.orgId, t.status, t.dueAt),
    // The decided requests' keyset order, newest first (the pending ones go by deletion_requests_org_idx).
    index("deletion_requests_org_created_idx").on(t.orgId, t.createdAt, t.id),
    index("deletion_requests_requester_idx").on(t.requesterId),
    uniqueIndex("deletion_requests_one_open").on(t.orgId, t.requesterId).where(sql`status = 'pending'`),
    check("deletion_requests_status", oneOf(t.status, deletionRequestStatuses)),
    check("deletion_requests_decline", sql`(${t.status} = 'declined') = (${t.declineReason} is not null)`),
  ],
);

export const privacyReceiptKinds = ["synced_contacts_deleted", "deletion_requested", "data_exported"] as const;
export type PrivacyReceiptKind = (typeof privacyReceiptKinds)[number];

/** What a person did from /settings/privacy, kept for them as proof (the audit log holds the same, without the person's view). */
export const privacyReceipts = pgTable(
  "privacy_receipts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").$type<PrivacyReceiptKind>().notNull(),
    /** The campaign concerned, null for "all campaigns"; no foreign key so a receipt outlives a deleted campaign. */
    orgId: uuid("org_id"),
    orgName: text("org_name"),
    count: integer("count").notNull().default(0),
    details: jsonb("details").$type<Record<string, number | string>>().notNull().default({}),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [index("privacy_receipts_user_idx").on(t.userId, t.createdAt)],
);

export type Contact = typeof contacts.$inferSelect;
export type NewContact = typeof contacts.$inferInsert;
export type ContactList = typeof contactLists.$inferSelect;
export type Action = typeof actions.$inferSelect;
export type Report = typeof reports.$inferSelect;
export type DeletionRequest = typeof deletionRequests.$inferSelect;
export type PrivacyReceipt = typeof privacyReceipts.$inferSelect;
