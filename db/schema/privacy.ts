import { jsonb, pgEnum, pgTable, text, timestamptz, uuid } from "./columns";
import { users } from "./accounts";

export const consentChoices = ["accept_all", "reject_all", "custom"] as const;
export const consentChoiceEnum = pgEnum("consent_choice", consentChoices);

/** Proof of each cookie choice: append-only for the app role; no address in clear. */
export const consentRecords = pgTable("consent_records", {
  id: uuid("id").primaryKey().defaultRandom(),
  consentId: uuid("consent_id").notNull(),
  choice: consentChoiceEnum("choice").notNull(),
  categories: jsonb("categories").$type<Record<string, boolean>>().notNull(),
  policyVersion: text("policy_version").notNull(),
  userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
  clientAddressHash: text("client_address_hash"),
  createdAt: timestamptz("created_at").notNull().defaultNow(),
});

export type ConsentRecord = typeof consentRecords.$inferSelect;
