import { index, pgTable, text, timestamptz, uuid } from "./columns";
import { users } from "./accounts";
import { organizations, roleEnum } from "./organizations";

/** Invitation links: single-use, expiring, stored as a hash, bound to the invited address (kept only as a keyed hash). */
export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    emailHash: text("email_hash").notNull(),
    /** A masked form ("a•••@example.org") so admins recognise whom they invited. */
    emailHint: text("email_hint").notNull(),
    role: roleEnum("role").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    invitedBy: uuid("invited_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    expiresAt: timestamptz("expires_at").notNull(),
    acceptedAt: timestamptz("accepted_at"),
    acceptedBy: uuid("accepted_by").references(() => users.id, { onDelete: "set null" }),
    declinedAt: timestamptz("declined_at"),
    revokedAt: timestamptz("revoked_at"),
  },
  (t) => [index("invitations_org_idx").on(t.orgId)],
);

/** Platform staff see a campaign only under a grant: a reason, at most 24 hours, allowed by the campaign's setting. */
export const supportAccessGrants = pgTable(
  "support_access_grants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    staffUserId: uuid("staff_user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    reason: text("reason").notNull(),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    expiresAt: timestamptz("expires_at").notNull(),
    revokedAt: timestamptz("revoked_at"),
  },
  (t) => [index("support_access_grants_org_idx").on(t.orgId, t.staffUserId)],
);

export type Invitation = typeof invitations.$inferSelect;
export type SupportAccessGrant = typeof supportAccessGrants.$inferSelect;
