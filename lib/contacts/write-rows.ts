import { rememberTags, rememberTagsOf } from "./tags-in-use";
import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { contacts, type ContactSource } from "@/db/schema";
import { blindIndexer } from "@/lib/crypto";
import { bulkInsert } from "@/lib/db/bulk";
import type { Transaction } from "@/lib/db/client";
import { contactInputSchema, type ContactValues } from "./input";
import { nameTokenizer } from "./name-tokens";
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
  if ((origin.syncedBy ?? null) !== null && origin.source !== "sync") throw new TypeError("a synced contact has source 'sync'");
  const index = await blindIndexer(tx, orgId);
  const tokens = await nameTokenizer(tx, orgId);
  const ids: string[] = [];
  let inFlight: Promise<unknown> = Promise.resolve();
  for (let start = 0; start < inputs.length; start += CHUNK) {
    const rows = [];
    for (const [k, input] of inputs.slice(start, start + CHUNK).entries()) {
      const id = randomUUID();
      ids.push(id);
      rows.push(
        await sealedContacts.seal(tx, {
          id,
          orgId,
          name: input.name,
          email: input.email ?? null,
          phone: input.phone ?? null,
          address: input.address ?? null,
          notes: input.notes ?? null,
          emailIndex: input.email ? index("email", input.email) : null,
          phoneIndex: input.phone ? index("phone", input.phone) : null,
          tags: input.tags,
          nameTokens: tokens.forName(input.name),
          source: origin.source,
          syncedBy: origin.syncedBy ?? null,
          createdBy: origin.createdBy ?? null,
          assignedTo: origin.assignedTo ?? null,
          externalId: externalIds?.[start + k] ?? null,
        }),
      );
    }
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
