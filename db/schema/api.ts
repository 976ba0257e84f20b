import { sql } from "drizzle-orm";
import { check, primaryKey } from "drizzle-orm/pg-core";
import { index, integer, pgTable, text, timestamptz, uuid } from "./columns";
import { users } from "./accounts";
import { organizations } from "./organizations";

/**
 * A person's token for one campaign's HTTP API. Only a keyed hash of the secret is kept; the password stamp
 * (a keyed hash of the password hash at issue) ends the token at the next request after a password change.
 */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    scopes: text("scopes").array().notNull(),
    secretHash: text("secret_hash").notNull().unique(),
    passwordStamp: text("password_stamp").notNull(),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    renewedAt: timestamptz("renewed_at"),
    expiresAt: timestamptz("expires_at").notNull(),
    lastUsedAt: timestamptz("last_used_at"),
    revokedAt: timestamptz("revoked_at"),
    revokedReason: text("revoked_reason"),
  },
  (t) => [
    index("api_tokens_person_idx").on(t.orgId, t.userId),
    check("api_tokens_lifetime", sql`${t.expiresAt} <= coalesce(${t.renewedAt}, ${t.createdAt}) + interval '24 hours'`),
  ],
);

/** A POST's answer kept for its Idempotency-Key (sealed: it may hold personal data), so a retry replays it. */
export const apiIdempotencyKeys = pgTable(
  "api_idempotency_keys",
  {
    tokenId: uuid("token_id")
      .notNull()
      .references(() => apiTokens.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    requestHash: text("request_hash").notNull(),
    status: integer("status").notNull(),
    responseSealed: text("response_sealed").notNull(),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    expiresAt: timestamptz("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.key] })],
);

export type ApiToken = typeof apiTokens.$inferSelect;
