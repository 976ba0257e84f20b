import { pgTable, primaryKey, text, timestamptz, uuid } from "./columns";
import { users } from "./accounts";

/** A person's receipt for reading one version of one policy document (lib/policies/registry.ts). */
export const policyReadReceipts = pgTable(
  "policy_read_receipts",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    document: text("document").notNull(),
    version: text("version").notNull(),
    readAt: timestamptz("read_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.document, t.version] })],
);

/** One row per campaign owner and policy version mailed, so each owner gets one mail per version. */
export const policyOwnerMailings = pgTable(
  "policy_owner_mailings",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    document: text("document").notNull(),
    version: text("version").notNull(),
    sentAt: timestamptz("sent_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.document, t.version] })],
);

export type PolicyReadReceipt = typeof policyReadReceipts.$inferSelect;
