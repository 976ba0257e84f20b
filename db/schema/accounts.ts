import { boolean, integer, pgTable, text, timestamptz, uuid } from "./columns";

export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash"),
  emailVerifiedAt: timestamptz("email_verified_at"),
  isStaff: boolean("is_staff").notNull().default(false),
  disabledAt: timestamptz("disabled_at"),
  /** Raised by every password change and reset: device cookies issued under an earlier value stop counting (lib/auth/device-cookie.ts). */
  deviceEpoch: integer("device_epoch").notNull().default(0),
  createdAt: timestamptz("created_at").notNull().defaultNow(),
  updatedAt: timestamptz("updated_at").notNull().defaultNow(),
});

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
