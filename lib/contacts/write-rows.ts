import { rememberTags, rememberTagsOf } from "./tags-in-use";
import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { contacts, type ContactSource } from "@/db/schema";
import { blindIndexer } from "@/lib/crypto";
import { blindIndexWithKey, normalizeForIndex } from "@/lib/crypto/blind-index";
import { activeDataKey, blindIndexKey, type DataKey } from "@/lib/crypto/data-keys";
import { bulkInsert } from "@/lib/db/bulk";
import type { Transaction } from "@/lib/db/client";
import { contactInputSchema, type ContactValues } from "./input";
import { nameTokenizer, nameTokenizerWithKey } from "./name-tokens";
import { sealedContacts } from "./sealed";

/**
 * The one write path of contact rows: sealing, blind indexes and name tokens together, in the caller's tenant
 * transaction, for values already validated by ./input. Pages, sync, imports, the demo seed and the bench all write
 * through here; the rules of who may write what live in ./commands and RLS.
 */

export type ContactOrigin = {
  source: ContactSource;
  /** Member who synced it from their own address book (source "sync"). */
  syncedBy?: string | null;
  createdBy?: string | null;
  assignedTo?: string | null;
};

const CHUNK = 250;

/** The keys a contact row is written under: the campaign's active data key (sealing) and its index key (blind indexes, name tokens). */
export type ContactKeys = { orgId: string; data: DataKey; index: Buffer };

/** The keys as this transaction sees them; the active data key is read FOR SHARE, so no rotation starts until it ends. */
export async function contactKeys(tx: Transaction, orgId: string): Promise<ContactKeys> {
  return { orgId, data: await activeDataKey(tx, orgId), index: await blindIndexKey(tx, orgId) };
}

/** Whether rows sealed under `a` may be written in a transaction whose keys are `b`. */
export function sameContactKeys(a: ContactKeys, b: ContactKeys): boolean {
  return a.orgId === b.orgId && a.data.version === b.data.version && a.data.key.equals(b.data.key) && a.index.equals(b.index);
}

export type NewContactRow = typeof contacts.$inferInsert;
/** Blind indexes a caller already computed under the same index key (imports look duplicates up with them first). */
export type KnownIndexes = { email: Buffer | null; phone: Buffer | null };

/**
 * Seals contact rows under keys already held, synchronously: one tokenizer (and its memory of name prefixes) for
 * every row it seals. The rows may only be written in a transaction whose contactKeys() are the same keys.
 */
export function contactRowSealer(keys: ContactKeys) {
  const tokens = nameTokenizerWithKey(keys.index);
  const index = (kind: "email" | "phone", value: string) => blindIndexWithKey(keys.index, kind, normalizeForIndex(kind, value));
  return {
    index,
    seal(input: ContactValues, origin: ContactOrigin, externalId: string | null, known?: KnownIndexes, id: string = randomUUID()): NewContactRow {
      return sealedContacts.sealWith(keys.data, {
        id,
        orgId: keys.orgId,
        name: input.name,
        email: input.email ?? null,
        phone: input.phone ?? null,
        address: input.address ?? null,
        notes: input.notes ?? null,
        emailIndex: input.email ? (known?.email ?? index("email", input.email)) : null,
        phoneIndex: input.phone ? (known?.phone ?? index("phone", input.phone)) : null,
        tags: input.tags,
        nameTokens: tokens.forName(input.name),
        source: origin.source,
        syncedBy: origin.syncedBy ?? null,
        createdBy: origin.createdBy ?? null,
        assignedTo: origin.assignedTo ?? null,
        externalId,
      });
    },
  };
}

function checkOrigin(origin: ContactOrigin) {
  if ((origin.syncedBy ?? null) !== null && origin.source !== "sync") throw new TypeError("a synced contact has source 'sync'");
}

/**
 * Inserts validated contacts in one campaign; returns their ids in input order. Each chunk is sealed while the
 * previous chunk's insert is in flight, so the database's work on a server overlaps the encryption here.
 */
export async function insertContacts(
  tx: Transaction,
  orgId: string,
  inputs: ContactValues[],
  origin: ContactOrigin,
  /** Per input, in the same order: its id in another system (imports), written in the same statement. */
  externalIds?: readonly (string | null)[],
): Promise<string[]> {
  if (inputs.length === 0) return [];
  checkOrigin(origin);
  const sealer = contactRowSealer(await contactKeys(tx, orgId));
  const ids: string[] = [];
  let inFlight: Promise<unknown> = Promise.resolve();
  for (let start = 0; start < inputs.length; start += CHUNK) {
    const rows = inputs.slice(start, start + CHUNK).map((input, k) => sealer.seal(input, origin, externalIds?.[start + k] ?? null));
    for (const r of rows) ids.push(r.id);
    await inFlight;
    inFlight = bulkInsert(tx, contacts, rows);
    // Handled here so a failure while the next chunk is sealed is not reported as unhandled; awaited below all the same.
    inFlight.catch(() => undefined);
  }
  await inFlight;
  // Campaign contacts' tags feed the tag menus (a member's synced contacts stay theirs).
  if ((origin.syncedBy ?? null) === null) await rememberTags(tx, orgId, inputs.flatMap((i) => i.tags));
  return ids;
}

/**
 * Inserts contact rows sealed by contactRowSealer(keys) for `origin`, after checking that `keys` are still this
 * transaction's keys (refused otherwise: the caller seals again under contactKeys(tx)).
 */
export async function insertSealedContacts(tx: Transaction, keys: ContactKeys, rows: NewContactRow[], origin: ContactOrigin): Promise<void> {
  if (rows.length === 0) return;
  checkOrigin(origin);
  if (!sameContactKeys(keys, await contactKeys(tx, keys.orgId))) throw new TypeError("contact rows sealed under keys this transaction does not hold");
  for (const r of rows)
    if (r.orgId !== keys.orgId || r.source !== origin.source || (r.syncedBy ?? null) !== (origin.syncedBy ?? null)) throw new TypeError("a sealed contact row of another campaign or origin");
  for (let start = 0; start < rows.length; start += 2 * CHUNK) await bulkInsert(tx, contacts, rows.slice(start, start + 2 * CHUNK));
  if ((origin.syncedBy ?? null) === null) await rememberTags(tx, keys.orgId, rows.flatMap((r) => r.tags ?? []));
}

/**
 * Changes the given fields of one contact (an explicit `undefined` in a patch made from a form clears it).
 * Returns the names of the fields that were written, or null when RLS hides the row from this person.
 */
export async function updateContactFields(tx: Transaction, orgId: string, id: string, patch: Partial<ContactValues>): Promise<string[] | null> {
  const [row] = await tx
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.orgId, orgId), eq(contacts.id, id)))
    .for("update");
  if (!row) return null;
  const fields = Object.keys(patch).filter((k) => k in contactInputSchema.shape) as (keyof ContactValues)[];
  if (fields.length === 0) return [];
  const index = await blindIndexer(tx, orgId);
  const plain: Record<string, unknown> = {};
  const set: Record<string, unknown> = { updatedAt: new Date() };
  for (const field of fields) {
    const value = patch[field];
    if (field === "tags") set.tags = value ?? [];
    else plain[field] = value ?? null;
    if (field === "email") set.emailIndex = value ? index("email", value as string) : null;
    if (field === "phone") set.phoneIndex = value ? index("phone", value as string) : null;
    if (field === "name" && value) set.nameTokens = (await nameTokenizer(tx, orgId)).forName(value as string);
  }
  Object.assign(set, await sealedContacts.sealPatch(tx, { orgId, id }, plain));
  await tx.update(contacts).set(set).where(and(eq(contacts.orgId, orgId), eq(contacts.id, id)));
  if (fields.includes("tags")) await rememberTagsOf(tx, orgId, id);
  return fields;
}

/** Deletes contacts for real (their name tokens, list entries, targets and reports go by cascade); returns the ids deleted. */
export async function deleteContactRows(tx: Transaction, orgId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const gone = await tx
    .delete(contacts)
    .where(and(eq(contacts.orgId, orgId), inArray(contacts.id, ids)))
    .returning({ id: contacts.id });
  return gone.map((g) => g.id);
}

/** Sets (or clears) the external id of contacts in one campaign, one statement for the lot (imports match on it). */
export async function setContactExternalIds(tx: Transaction, orgId: string, pairs: { id: string; externalId: string | null }[]): Promise<void> {
  if (pairs.length === 0) return;
  const values = sql.join(
    pairs.map((p) => sql`(${p.id}::uuid, ${p.externalId}::text)`),
    sql`, `,
  );
  await tx.execute(sql`update contacts c set external_id = v.external_id, updated_at = now()
    from (values ${values}) as v(id, external_id) where c.org_id = ${orgId} and c.id = v.id`);
}
