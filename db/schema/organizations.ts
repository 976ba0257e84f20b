import { index, jsonb, pgEnum, pgTable, primaryKey, text, timestamptz, uuid } from "./columns";
import { users } from "./accounts";

export const roles = ["owner", "admin", "volunteer"] as const;
export type Role = (typeof roles)[number];
export const roleEnum = pgEnum("member_role", roles);

export const organizations = pgTable("organizations", {
  id: uuid("id").primaryKey().defaultRandom(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
  suspendedAt: timestamptz("suspended_at"),
  createdAt: timestamptz("created_at").notNull().defaultNow(),
});

/** Tenant table: row-level security keeps each organisation's rows to itself (see the rls migration). */
export const memberships = pgTable(
  "memberships",
  {
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: roleEnum("role").notNull(),
    /** An owner's breach switch for one member of this campaign: reversible, checked by the guard and by RLS. */
    disabledAt: timestamptz("disabled_at"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

export type Organization = typeof organizations.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
