import "server-only";
import { randomBytes } from "node:crypto";
import { and, eq, is, isNotNull, ne, sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { orgKeys, type OrgKeyKind, type OrgKeyStatus } from "@/db/schema/crypto";
import { resultRows, type Queryable, type Transaction } from "@/lib/db/client";
import { KeyUnavailableError, TenantContextError } from "./errors";
import { masterKeyProvider, onMasterKeyProviderChange } from "./keyring";

/** An organisation's unwrapped data key of one version: the OpenPGP session key of its fields. */
export type DataKey = { orgId: string; version: number; key: Buffer };

type KeyRow = {
  kind: OrgKeyKind;
  version: number;
  status: OrgKeyStatus;
  masterKeyId: string | null;
  wrappedKey: Buffer | null;
  retiredAt: Date | null;
};

/** Unwrapped keys live this long in this process only, so a KMS is not asked on every request. */
export const KEY_CACHE_TTL_MS = 5 * 60_000;
const KEY_CACHE_MAX = 10_000;
const material = new Map<string, { key: Buffer; expires: number }>();
onMasterKeyProviderChange(() => material.clear());

/** Binds a wrapped key to its master key, organisation, purpose and version: a row copied elsewhere will not unwrap. */
function wrapAad(masterKeyId: string, orgId: string, kind: OrgKeyKind, version: number): Buffer {
  return Buffer.from(`rampart/org-key/v1\0${masterKeyId}\0${orgId}\0${kind}\0${version}`);
}

async function unwrapRow(orgId: string, row: KeyRow): Promise<Buffer> {
  const cacheKey = `${orgId}/${row.kind}/${row.version}/${row.masterKeyId}/${row.wrappedKey!.toString("base64")}`;
  const now = Date.now();
  const hit = material.get(cacheKey);
  if (hit && hit.expires > now) return hit.key;
  const key = await masterKeyProvider().unwrap(row.masterKeyId!, row.wrappedKey!, wrapAad(row.masterKeyId!, orgId, row.kind, row.version));
  material.delete(cacheKey);
  if (material.size >= KEY_CACHE_MAX) material.delete(material.keys().next().value!);
  material.set(cacheKey, { key, expires: now + KEY_CACHE_TTL_MS });
  return key;
}

/** Drops this process's cached keys of one organisation (after shredding or retiring). */
export function forgetOrganizationKeys(orgId: string): void {
  for (const k of material.keys()) if (k.startsWith(`${orgId}/`)) material.delete(k);
}

type TxKeys = { rows?: KeyRow[]; active?: DataKey; index?: Buffer; versions: Map<number, DataKey> };
const perTransaction = new WeakMap<object, Map<string, TxKeys>>();

/** Keys are read through a transaction inside withTenant: RLS shows the organisation's rows, and the active key stays pinned until commit. */
export function assertTransaction(tx: unknown): asserts tx is Transaction {
  // drizzle's is() rather than instanceof: scripts can load drizzle's ESM and CJS builds side by side.
  if (!is(tx, PgTransaction)) throw new TenantContextError("Encryption needs a transaction opened by withTenant, not the database handle");
}

function keysOf(tx: Transaction, orgId: string): TxKeys {
  let byOrg = perTransaction.get(tx);
  if (!byOrg) perTransaction.set(tx, (byOrg = new Map()));
  let keys = byOrg.get(orgId);
  if (!keys) byOrg.set(orgId, (keys = { versions: new Map() }));
  return keys;
}

const columns = {
  kind: orgKeys.kind,
  version: orgKeys.version,
  status: orgKeys.status,
  masterKeyId: orgKeys.masterKeyId,
  wrappedKey: orgKeys.wrappedKey,
  retiredAt: orgKeys.retiredAt,
};

/**
 * `lock` takes FOR SHARE on the rows: a rotation cannot switch the active version until this
 * transaction (which is writing ciphertext under it) commits, so no row is left behind on an old key.
 */
async function readRows(tx: Transaction, orgId: string, lock: boolean): Promise<KeyRow[]> {
  const q = tx.select(columns).from(orgKeys).where(eq(orgKeys.orgId, orgId));
  return lock ? q.for("share") : q;
}

async function assertTenant(tx: Transaction, orgId: string): Promise<void> {
  const [row] = resultRows<{ org: string | null }>(await tx.execute(sql`select app_current_org_id()::text as org`));
  if (row?.org !== orgId) throw new TenantContextError(`Keys of organisation ${orgId} are only reachable inside withTenant for it`);
}

function destroyedError(orgId: string): KeyUnavailableError {
  return new KeyUnavailableError("destroyed", `The keys of organisation ${orgId} were destroyed (crypto-shredded); its encrypted data is unreadable and it can hold no more`);
}

/** First use: a data key and a blind-index key, version 1, idempotent when several transactions race. */
async function createFirstKeys(tx: Transaction, orgId: string, rows: KeyRow[]): Promise<void> {
  if (rows.some((r) => r.status === "destroyed")) throw destroyedError(orgId);
  await assertTenant(tx, orgId);
  const provider = masterKeyProvider();
  const masterKeyId = provider.keyIds()[0]!;
  const missing = (["data", "index"] as const).filter((kind) => !rows.some((r) => r.kind === kind));
  if (missing.length === 0) throw new KeyUnavailableError("missing", `Organisation ${orgId} has no active key`);
  const values = await Promise.all(
    missing.map(async (kind) => ({
      orgId,
      kind,
      version: 1,
      status: "active" as const,
      masterKeyId,
      wrappedKey: await provider.wrap(masterKeyId, randomBytes(32), wrapAad(masterKeyId, orgId, kind, 1)),
    })),
  );
  await tx.insert(orgKeys).values(values).onConflictDoNothing();
}

async function activeRow(tx: Transaction, orgId: string, kind: OrgKeyKind, lock: boolean): Promise<KeyRow> {
  let rows = await readRows(tx, orgId, lock);
  let row = rows.find((r) => r.kind === kind && r.status === "active");
  if (!row) {
    await createFirstKeys(tx, orgId, rows);
    rows = await readRows(tx, orgId, lock);
    row = rows.find((r) => r.kind === kind && r.status === "active");
    if (!row) throw new KeyUnavailableError("missing", `Organisation ${orgId} has no active ${kind} key`);
  }
  return row;
}

/** The key new ciphertext is written under, created on first use and pinned (FOR SHARE) for the rest of the transaction. */
export async function activeDataKey(tx: Transaction, orgId: string): Promise<DataKey> {
  assertTransaction(tx);
  const keys = keysOf(tx, orgId);
  if (keys.active) return keys.active;
  const row = await activeRow(tx, orgId, "data", true);
  keys.active = { orgId, version: row.version, key: await unwrapRow(orgId, row) };
  keys.versions.set(row.version, keys.active);
  return keys.active;
}

/** The key of one version, for reading; retired and destroyed versions fail with a clear error. */
export async function dataKeyVersion(tx: Transaction, orgId: string, version: number): Promise<DataKey> {
  assertTransaction(tx);
  const keys = keysOf(tx, orgId);
  const cached = keys.versions.get(version);
  if (cached) return cached;
  keys.rows ??= await readRows(tx, orgId, false);
  const row = keys.rows.find((r) => r.kind === "data" && r.version === version);
  if (!row) {
    if (keys.rows.length === 0) await assertTenant(tx, orgId);
    throw new KeyUnavailableError("missing", `Organisation ${orgId} has no data key version ${version}`);
  }
  if (row.status === "destroyed") throw destroyedError(orgId);
  if (row.status === "retired")
    throw new KeyUnavailableError(
      "retired",
      `Data key version ${version} of organisation ${orgId} was retired${row.retiredAt ? ` on ${row.retiredAt.toISOString()}` : ""}; values still under it were not re-encrypted`,
    );
  const key: DataKey = { orgId, version, key: await unwrapRow(orgId, row) };
  keys.versions.set(version, key);
  return key;
}

/** The organisation's blind-index (HMAC) key, created on first use; separate from its data keys and not rotated with them. */
export async function blindIndexKey(tx: Transaction, orgId: string): Promise<Buffer> {
  assertTransaction(tx);
  const keys = keysOf(tx, orgId);
  if (!keys.index) {
    const row = await activeRow(tx, orgId, "index", false);
    keys.index = await unwrapRow(orgId, row);
  }
  return keys.index;
}

export type OrganizationKeyInfo = Pick<KeyRow, "kind" | "version" | "status" | "masterKeyId" | "retiredAt"> & { createdAt: Date };

/** Key versions and their state, for the settings page: no key material. */
export async function listOrganizationKeys(tx: Queryable, orgId: string): Promise<OrganizationKeyInfo[]> {
  return tx
    .select({ kind: orgKeys.kind, version: orgKeys.version, status: orgKeys.status, masterKeyId: orgKeys.masterKeyId, retiredAt: orgKeys.retiredAt, createdAt: orgKeys.createdAt })
    .from(orgKeys)
    .where(eq(orgKeys.orgId, orgId))
    .orderBy(orgKeys.kind, orgKeys.version);
}

/**
 * Starts a data-key rotation: the active version becomes "retiring" (still readable) and a new
 * version becomes active. Waits for transactions still writing under the old version (FOR SHARE).
 */
export async function activateNewDataKey(tx: Transaction, orgId: string): Promise<{ version: number; previous: number }> {
  assertTransaction(tx);
  const current = await tx
    .select(columns)
    .from(orgKeys)
    .where(and(eq(orgKeys.orgId, orgId), eq(orgKeys.kind, "data")))
    .for("update");
  if (current.some((r) => r.status === "destroyed")) throw destroyedError(orgId);
  const active = current.find((r) => r.status === "active");
  if (!active) {
    await activeDataKey(tx, orgId);
    return activateNewDataKey(tx, orgId);
  }
  const version = Math.max(...current.map((r) => r.version)) + 1;
  const provider = masterKeyProvider();
  const masterKeyId = provider.keyIds()[0]!;
  await tx
    .update(orgKeys)
    .set({ status: "retiring" })
    .where(and(eq(orgKeys.orgId, orgId), eq(orgKeys.kind, "data"), eq(orgKeys.version, active.version)));
  await tx.insert(orgKeys).values({
    orgId,
    kind: "data",
    version,
    status: "active",
    masterKeyId,
    wrappedKey: await provider.wrap(masterKeyId, randomBytes(32), wrapAad(masterKeyId, orgId, "data", version)),
  });
  perTransaction.delete(tx);
  return { version, previous: active.version };
}

/** Ends a rotation: every retiring version loses its key material (the row stays, saying when). */
export async function retireDataKeys(tx: Transaction, orgId: string): Promise<number[]> {
  const retired = await tx
    .update(orgKeys)
    .set({ status: "retired", wrappedKey: null, masterKeyId: null, retiredAt: new Date() })
    .where(and(eq(orgKeys.orgId, orgId), eq(orgKeys.kind, "data"), eq(orgKeys.status, "retiring")))
    .returning({ version: orgKeys.version });
  forgetOrganizationKeys(orgId);
  perTransaction.delete(tx);
  return retired.map((r) => r.version);
}

/** Crypto-shredding: every key of the organisation loses its material; tombstones stop new keys being made. */
export async function destroyOrganizationKeys(tx: Transaction, orgId: string): Promise<number> {
  assertTransaction(tx);
  await assertTenant(tx, orgId);
  const rows = await tx
    .update(orgKeys)
    .set({ status: "destroyed", wrappedKey: null, masterKeyId: null, retiredAt: sql`coalesce(${orgKeys.retiredAt}, now())` })
    .where(and(eq(orgKeys.orgId, orgId), ne(orgKeys.status, "destroyed")))
    .returning({ version: orgKeys.version });
  if (rows.length === 0) {
    // Never used: leave tombstones anyway so the organisation cannot start encrypting again.
    await tx
      .insert(orgKeys)
      .values((["data", "index"] as const).map((kind) => ({ orgId, kind, version: 1, status: "destroyed" as const, retiredAt: new Date() })))
      .onConflictDoNothing();
  }
  forgetOrganizationKeys(orgId);
  perTransaction.delete(tx);
  return rows.length;
}

/** Master-key rotation for one organisation: re-wraps every live key still under an older master key. */
export async function rewrapOrganizationKeys(tx: Transaction, orgId: string): Promise<number> {
  assertTransaction(tx);
  const provider = masterKeyProvider();
  const newest = provider.keyIds()[0]!;
  const stale = await tx
    .select(columns)
    .from(orgKeys)
    .where(and(eq(orgKeys.orgId, orgId), isNotNull(orgKeys.wrappedKey), ne(orgKeys.masterKeyId, newest)))
    .for("update");
  for (const row of stale) {
    const key = await provider.unwrap(row.masterKeyId!, row.wrappedKey!, wrapAad(row.masterKeyId!, orgId, row.kind, row.version));
    const wrappedKey = await provider.wrap(newest, key, wrapAad(newest, orgId, row.kind, row.version));
    await tx
      .update(orgKeys)
      .set({ masterKeyId: newest, wrappedKey })
      .where(and(eq(orgKeys.orgId, orgId), eq(orgKeys.kind, row.kind), eq(orgKeys.version, row.version)));
  }
  return stale.length;
}

/** How many live keys of one organisation each master key wraps. */
export async function masterKeyUsage(tx: Queryable, orgId: string): Promise<Record<string, number>> {
  const rows = await tx
    .select({ masterKeyId: orgKeys.masterKeyId, n: sql<number>`count(*)::int` })
    .from(orgKeys)
    .where(and(eq(orgKeys.orgId, orgId), isNotNull(orgKeys.masterKeyId)))
    .groupBy(orgKeys.masterKeyId);
  return Object.fromEntries(rows.map((r) => [r.masterKeyId!, r.n]));
}
