import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgEnum, pgTable, text, timestamptz, uuid } from "./columns";
import { users } from "./accounts";

/** One row per signed-in browser; the session token only carries its id, so revocation is immediate. */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    lastSeenAt: timestamptz("last_seen_at").notNull().defaultNow(),
    expiresAt: timestamptz("expires_at").notNull(),
    revokedAt: timestamptz("revoked_at"),
    revokedReason: text("revoked_reason"),
    deviceSummary: text("device_summary").notNull(),
    clientAddressHash: text("client_address_hash"),
    /** How the second step was met, if any: totp, recovery_code, webauthn. */
    secondFactor: text("second_factor"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const signInOutcomes = ["succeeded", "wrong_password", "unknown_account", "second_factor_required", "second_factor_failed", "rate_limited", "disabled", "unverified"] as const;
export type SignInOutcome = (typeof signInOutcomes)[number];
export const signInOutcomeEnum = pgEnum("sign_in_outcome", signInOutcomes);

/** Every sign-in attempt. No password, code or clear email: unknown accounts are kept as a keyed hash. */
export const signInAttempts = pgTable(
  "sign_in_attempts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    emailHash: text("email_hash").notNull(),
    outcome: signInOutcomeEnum("outcome").notNull(),
    method: text("method").notNull(),
    clientAddressHash: text("client_address_hash"),
    deviceSummary: text("device_summary"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [
    index("sign_in_attempts_user_idx").on(t.userId, t.createdAt),
    // Attempts refused before their account was looked up (a full verification pool) carry only the email's keyed
    // hash: the owner's history finds them by it.
    index("sign_in_attempts_unmatched_email_idx").on(t.emailHash, t.createdAt).where(sql`${t.userId} is null`),
  ],
);

export const emailTokenPurposes = ["verify_email", "reset_password"] as const;
export type EmailTokenPurpose = (typeof emailTokenPurposes)[number];
export const emailTokenPurposeEnum = pgEnum("email_token_purpose", emailTokenPurposes);

/** Single-use links: only a hash is stored, and each expires. */
export const emailTokens = pgTable("email_tokens", {
  id: uuid("id").primaryKey().defaultRandom(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  purpose: emailTokenPurposeEnum("purpose").notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  expiresAt: timestamptz("expires_at").notNull(),
  usedAt: timestamptz("used_at"),
  createdAt: timestamptz("created_at").notNull().defaultNow(),
});

/** TOTP secret, sealed with a server-held key; the last accepted time step blocks replays. */
export const totpFactors = pgTable("totp_factors", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  secretSealed: text("secret_sealed").notNull(),
  confirmedAt: timestamptz("confirmed_at"),
  lastTimeStep: bigint("last_time_step", { mode: "number" }),
  createdAt: timestamptz("created_at").notNull().defaultNow(),
});

export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    usedAt: timestamptz("used_at"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId)],
);

export const webauthnCredentials = pgTable(
  "webauthn_credentials",
  {
    id: text("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    publicKey: text("public_key").notNull(),
    counter: integer("counter").notNull().default(0),
    transports: jsonb("transports").$type<string[]>().notNull().default([]),
    name: text("name").notNull(),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    lastUsedAt: timestamptz("last_used_at"),
  },
  (t) => [index("webauthn_credentials_user_idx").on(t.userId)],
);

/** Short-lived WebAuthn challenges, consumed once. */
export const authChallenges = pgTable("auth_challenges", {
  id: uuid("id").primaryKey().defaultRandom(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  purpose: text("purpose").notNull(),
  challenge: text("challenge").notNull(),
  expiresAt: timestamptz("expires_at").notNull(),
});

export type Session = typeof sessions.$inferSelect;
export type SignInAttempt = typeof signInAttempts.$inferSelect;
