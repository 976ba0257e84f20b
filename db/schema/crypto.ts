import { sql } from "drizzle-orm";
import { bigint, check, customType, index, integer, primaryKey, uniqueIndex } from "drizzle-orm/pg-core";
import { oneOf, pgTable, text, timestamptz, uuid } from "./columns";
import { organizations } from "./organizations";
import { users } from "./accounts";

const toBuffer = (value: unknown): Buffer => {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError("expected bytea from the driver");
};

/** Raw bytes (bytea); every driver hands back a Buffer. */
export const bytes = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => "bytea",
  toDriver: (value) => value,
  fromDriver: toBuffer,
});

const HEX_ELEMENT = /\\+x([0-9a-f]*)/gi;

/**
 * A bytea[] (name tokens). Written as an array literal of hex elements: drizzle's own array columns would turn each
 * Buffer into text. node-postgres and PGlite hand arrays back parsed; a driver that returns the literal is read too.
 */
export const byteArrays = customType<{ data: Buffer[]; driverData: string | unknown[] }>({
  dataType: () => "bytea[]",
  toDriver: (value) => `{${value.map((b) => `"\\\\x${b.toString("hex")}"`).join(",")}}`,
  fromDriver: (value) => (typeof value === "string" ? [...value.matchAll(HEX_ELEMENT)].map((m) => Buffer.from(m[1]!, "hex")) : value.map(toBuffer)),
});

declare const sealedValue: unique symbol;
/** Ciphertext of a T sealed by lib/crypto to its place; only lib/crypto makes or opens one. */
export type Sealed<T> = Buffer & { readonly [sealedValue]: T };

const sealedFromDriver = (value: unknown) => toBuffer(value);

/** A column holding an OpenPGP-encrypted value (see lib/crypto/fields.ts); its table must be registered in lib/crypto/sealed-tables.ts. */
export const sealed = <T>(name: string) =>
  customType<{ data: Sealed<T>; driverData: Buffer }>({
    dataType: () => "bytea",
    toDriver: (value) => value,
    fromDriver: sealedFromDriver as (value: Buffer) => Sealed<T>,
  })(name);

/** True for a column declared with sealed(), so lib/crypto can check that rotation covers every one. */
export function isSealedColumn(column: unknown): boolean {
  return (column as { mapFrom?: unknown }).mapFrom === sealedFromDriver;
}

export const orgKeyKinds = ["data", "index"] as const;
export type OrgKeyKind = (typeof orgKeyKinds)[number];
/** active: encrypts and decrypts; retiring: decrypts while a rotation re-encrypts; retired / destroyed: key material gone. */
export const orgKeyStatuses = ["active", "retiring", "retired", "destroyed"] as const;
export type OrgKeyStatus = (typeof orgKeyStatuses)[number];

/**
 * Per-organisation keys, stored only wrapped (AES-256-GCM) by a master key named by id. Rows stay as
 * tombstones when retired or destroyed, so a version is never reused and a shredded organisation
 * cannot silently get fresh keys.
 */
export const orgKeys = pgTable(
  "org_keys",
  {
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    kind: text("kind").$type<OrgKeyKind>().notNull(),
    version: integer("version").notNull(),
    status: text("status").$type<OrgKeyStatus>().notNull(),
    masterKeyId: text("master_key_id"),
    wrappedKey: bytes("wrapped_key"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    retiredAt: timestamptz("retired_at"),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.kind, t.version] }),
    uniqueIndex("org_keys_one_active").on(t.orgId, t.kind).where(sql`status = 'active'`),
    check("org_keys_kind", oneOf(t.kind, orgKeyKinds)),
    check("org_keys_status", oneOf(t.status, orgKeyStatuses)),
    check("org_keys_version", sql`${t.version} > 0`),
    check("org_keys_material", sql`(${t.status} in ('active', 'retiring')) = (${t.wrappedKey} is not null and ${t.masterKeyId} is not null)`),
  ],
);

/**
 * Encrypted files: the blob holds an OpenPGP message under a per-file key; the file key is sealed
 * here under the organisation's data key (bound to this row), so the blob alone is unreadable.
 */
export const encryptedFiles = pgTable(
  "encrypted_files",
  {
    id: uuid("id").primaryKey(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    blobKey: text("blob_key").notNull().unique(),
    fileKey: sealed<Uint8Array>("file_key").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [index("encrypted_files_org_idx").on(t.orgId, t.id)],
);

export const integrationKinds = ["api_key", "oauth"] as const;
export type IntegrationKind = (typeof integrationKinds)[number];

/** What an integration needs to call its provider; sealed as one JSON value. */
export type IntegrationCredentials =
  | { kind: "api_key"; apiKey: string; extra?: Record<string, string> }
  | { kind: "oauth"; accessToken: string; refreshToken?: string; expiresAt?: string; scope?: string };

/** Connected integrations of an organisation; the credentials are sealed, disconnecting deletes the row. */
export const integrationSecrets = pgTable(
  "integration_secrets",
  {
    id: uuid("id").primaryKey(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    kind: text("kind").$type<IntegrationKind>().notNull(),
    credentials: sealed<IntegrationCredentials>("credentials").notNull(),
    connectedBy: uuid("connected_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("integration_secrets_provider").on(t.orgId, t.provider),
    check("integration_secrets_kind", oneOf(t.kind, integrationKinds)),
  ],
);

export type OrgKey = typeof orgKeys.$inferSelect;
export type EncryptedFile = typeof encryptedFiles.$inferSelect;
export type IntegrationSecret = typeof integrationSecrets.$inferSelect;
