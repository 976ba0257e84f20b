import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq, inArray, or, type SQL } from "drizzle-orm";
import { contactListMembers, contactLists, contacts, importRows, type DuplicatePolicy, type ImportMapping, type ImportOptions, type ImportRowOutcome } from "@/db/schema";
import { bulkInsert, inBytes, inTexts } from "@/lib/db/bulk";
import type { Transaction } from "@/lib/db/client";
import type { ContactValues } from "@/lib/contacts/input";
import { sealedContacts } from "@/lib/contacts/sealed";
import { contactKeys, contactRowSealer, insertSealedContacts, sameContactKeys, setContactExternalIds, updateContactFields, type ContactKeys, type ContactOrigin, type NewContactRow } from "@/lib/contacts/write-rows";
import { rowMapper, type MappedRow } from "./mapping";
import { sealedImportRows } from "./sealed";

/**
 * One batch of an import, in the job's tenant transaction acting as the admin who started it: rows are validated,
 * matched against existing contacts (external id, then email, then phone blind index), created or updated by the
 * duplicate policy, put on lists, and what was done to each row is recorded for the history and the rollback.
 */

export type BatchRow = { rowNumber: number; cells: string[] };
export type BatchCounts = { created: number; updated: number; skipped: number; failed: number };
type Before = Record<string, unknown>;

const patchable = ["name", "email", "phone", "address", "notes"] as const;
const isEmpty = (v: unknown) => v === null || v === undefined || v === "";

/** The fields a duplicate policy writes onto an existing contact, with their values before. */
export function duplicatePatch(
  policy: DuplicatePolicy,
  current: Partial<Record<(typeof patchable)[number], unknown>> & { tags: string[] },
  incoming: ContactValues,
): { patch: Partial<ContactValues>; before: Before; tagsAdded: string[] } {
  const patch: Partial<ContactValues> = {};
  const before: Before = {};
  if (policy !== "skip") {
    for (const field of patchable) {
      const next = incoming[field];
      if (next === undefined) continue;
      const now = current[field];
      const write = policy === "overwrite" ? JSON.stringify(next) !== JSON.stringify(now ?? null) : isEmpty(now);
      if (!write) continue;
      (patch as Record<string, unknown>)[field] = next;
      before[field] = now ?? null;
    }
  }
  const tagsAdded = policy === "skip" ? [] : incoming.tags.filter((t) => !current.tags.includes(t));
  if (tagsAdded.length) patch.tags = [...current.tags, ...tagsAdded];
  return { patch, before, tagsAdded };
}

type RowRecord = {
  rowNumber: number;
  outcome: ImportRowOutcome;
  contactId?: string;
  before?: Before | null;
  tagsAdded?: string[];
  listsAdded?: string[];
  errorColumn?: string;
  errorReason?: string;
};

async function listIdsByName(tx: Transaction, orgId: string, userId: string, names: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (names.length === 0) return out;
  const found = await tx
    .select({ id: contactLists.id, name: contactLists.name })
    .from(contactLists)
    .where(and(eq(contactLists.orgId, orgId), inArray(contactLists.name, names)));
  for (const f of found) out.set(f.name, f.id);
  const missing = names.filter((n) => !out.has(n));
  if (missing.length) {
    const made = await tx
      .insert(contactLists)
      .values(missing.map((name) => ({ orgId, name, createdBy: userId })))
      .returning({ id: contactLists.id, name: contactLists.name });
    for (const m of made) out.set(m.name, m.id);
  }
  return out;
}

export type Imp = { id: string; mapping: ImportMapping; options: ImportOptions };
export type PreparedRow = { rowNumber: number; mapped: MappedRow; email: Buffer | null; phone: Buffer | null; sealed: NewContactRow | null };

/**
 * A batch's work that needs no database: rows mapped and validated, their blind indexes, and each valid row sealed
 * as the contact it would create (a row that turns out to match an existing contact drops its sealed copy). Made
 * with the keys of an earlier transaction while that transaction's writes are in flight; writeImportBatch uses it
 * only when its own transaction holds the same keys, and seals again otherwise (a rotation started in between).
 */
export type PreparedBatch = { keys: ContactKeys; input: readonly BatchRow[]; rows: PreparedRow[] };

const importOrigin = (userId: string): ContactOrigin => ({ source: "import", createdBy: userId });

export function prepareRows(keys: ContactKeys, sealer: ReturnType<typeof contactRowSealer>, mapper: (cells: string[]) => MappedRow, userId: string, rows: BatchRow[]): PreparedRow[] {
  return rows.map((row) => {
    const mapped = mapper(row.cells);
    if (!mapped.ok) return { rowNumber: row.rowNumber, mapped, email: null, phone: null, sealed: null };
    const { values } = mapped;
    const known = { email: values.email ? sealer.index("email", values.email) : null, phone: values.phone ? sealer.index("phone", values.phone) : null };
    return { rowNumber: row.rowNumber, mapped, ...known, sealed: sealer.seal(values, importOrigin(userId), mapped.externalId, known) };
  });
}

const PREPARE_SLICE = 100;

/** Prepares a batch under `keys`, yielding to the event loop every few rows so another batch's queries keep flowing. */
export async function prepareImportBatch(keys: ContactKeys, who: { userId: string }, imp: Imp, rows: BatchRow[]): Promise<PreparedBatch> {
  const sealer = contactRowSealer(keys);
  const mapper = rowMapper(imp.mapping, imp.options.tags);
  const out: PreparedRow[] = [];
  for (let start = 0; start < rows.length; start += PREPARE_SLICE) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    out.push(...prepareRows(keys, sealer, mapper, who.userId, rows.slice(start, start + PREPARE_SLICE)));
  }
  return { keys, input: rows, rows: out };
}

/** Prepared from these very rows, under the keys this transaction holds. */
const preparedFor = (prepared: PreparedBatch | undefined, keys: ContactKeys, rows: BatchRow[]) =>
  prepared !== undefined && prepared.input === rows && prepared.rows.length === rows.length && sameContactKeys(prepared.keys, keys);

export async function writeImportBatch(
  tx: Transaction,
  who: { orgId: string; userId: string },
  imp: Imp,
  rows: BatchRow[],
  /** This batch prepared ahead (prepareImportBatch); used only if made under this transaction's keys. */
  prepared?: PreparedBatch,
): Promise<BatchCounts> {
  const { orgId, userId } = who;
  const keys = await contactKeys(tx, orgId);
  const prep = preparedFor(prepared, keys, rows) ? prepared!.rows : prepareRows(keys, contactRowSealer(keys), rowMapper(imp.mapping, imp.options.tags), userId, rows);
  const records: RowRecord[] = [];
  type Good = { rowNumber: number; values: ContactValues; externalId: string | null; listName: string | null; email: Buffer | null; phone: Buffer | null; sealed: NewContactRow };
  const good: Good[] = [];
  for (const p of prep) {
    const m = p.mapped;
    if (!m.ok) records.push({ rowNumber: p.rowNumber, outcome: "failed", errorColumn: m.field, errorReason: m.reason });
    else good.push({ rowNumber: p.rowNumber, values: m.values, externalId: m.externalId, listName: m.listName, email: p.email, phone: p.phone, sealed: p.sealed! });
  }

  const keysOf = (g: { externalId: string | null; email: Buffer | null; phone: Buffer | null }) =>
    [g.externalId ? `x:${g.externalId}` : null, g.email ? `e:${g.email.toString("base64")}` : null, g.phone ? `p:${g.phone.toString("base64")}` : null].filter(
      (k): k is string => k !== null,
    );
  const conditions: SQL[] = [];
  const emails = good.flatMap((g) => (g.email ? [g.email] : []));
  const phones = good.flatMap((g) => (g.phone ? [g.phone] : []));
  const externals = good.flatMap((g) => (g.externalId ? [g.externalId] : []));
  if (emails.length) conditions.push(inBytes(contacts.emailIndex, emails));
  if (phones.length) conditions.push(inBytes(contacts.phoneIndex, phones));
  if (externals.length) conditions.push(inTexts(contacts.externalId, externals));
  const existing = conditions.length ? await tx.select().from(contacts).where(and(eq(contacts.orgId, orgId), or(...conditions))) : [];
  const byKey = new Map<string, (typeof existing)[number]>();
  for (const c of existing)
    for (const k of keysOf({ externalId: c.externalId, email: c.emailIndex, phone: c.phoneIndex })) if (!byKey.has(k)) byKey.set(k, c);

  const pendingKeys = new Map<string, number>();
  const creates: Good[] = [];
  const updates: { g: Good; contact: (typeof existing)[number] }[] = [];
  for (const g of good) {
    const keys = keysOf(g);
    const match = keys.map((k) => byKey.get(k)).find(Boolean);
    const earlier = keys.map((k) => pendingKeys.get(k)).find((n) => n !== undefined);
    if (match) {
      if (imp.options.duplicates === "skip") records.push({ rowNumber: g.rowNumber, outcome: "skipped", contactId: match.id });
      else updates.push({ g, contact: match });
    } else if (earlier !== undefined) {
      records.push({ rowNumber: g.rowNumber, outcome: "skipped", errorReason: `Same contact as row ${earlier} of this file` });
    } else {
      creates.push(g);
      for (const k of keys) pendingKeys.set(k, g.rowNumber);
    }
  }

  const listNames = [...new Set([...creates, ...updates.map((u) => u.g)].flatMap((g) => (g.listName ? [g.listName] : [])))];
  const listIds = await listIdsByName(tx, orgId, userId, listNames);
  const listsFor = (g: Good) => [...new Set([imp.options.listId, g.listName ? listIds.get(g.listName)! : null].filter((l): l is string => l !== null))];
  const memberships: { listId: string; contactId: string; rowNumber: number }[] = [];

  // A created contact carries its import and row (contacts.import_id, import_row): that is its history, no row here.
  await insertSealedContacts(
    tx,
    keys,
    creates.map((c) => ({ ...c.sealed, importId: imp.id, importRow: c.rowNumber })),
    importOrigin(userId),
  );
  const createdIds = creates.map((c) => c.sealed.id);
  creates.forEach((c, i) => {
    records.push({ rowNumber: c.rowNumber, outcome: "created", contactId: createdIds[i]!, tagsAdded: c.values.tags });
    for (const listId of listsFor(c)) memberships.push({ listId, contactId: createdIds[i]!, rowNumber: c.rowNumber });
  });

  const opened = await sealedContacts.openAll(
    tx,
    updates.map((u) => u.contact),
  );
  const externalChanges: { id: string; externalId: string | null }[] = [];
  for (const [i, { g, contact }] of updates.entries()) {
    const current = opened[i]!;
    const { patch, before, tagsAdded } = duplicatePatch(imp.options.duplicates, current, g.values);
    if (g.externalId && (contact.externalId === null || (imp.options.duplicates === "overwrite" && contact.externalId !== g.externalId))) {
      before.externalId = contact.externalId;
      externalChanges.push({ id: contact.id, externalId: g.externalId });
    }
    if (Object.keys(patch).length) await updateContactFields(tx, orgId, contact.id, patch);
    const changed = Object.keys(patch).length > 0 || "externalId" in before;
    records.push({ rowNumber: g.rowNumber, outcome: changed ? "updated" : "skipped", contactId: contact.id, before: changed ? before : null, tagsAdded });
    for (const listId of listsFor(g)) memberships.push({ listId, contactId: contact.id, rowNumber: g.rowNumber });
  }
  await setContactExternalIds(tx, orgId, externalChanges);

  if (memberships.length) {
    const added = await tx
      .insert(contactListMembers)
      .values(memberships.map((m) => ({ listId: m.listId, contactId: m.contactId, orgId })))
      .onConflictDoNothing()
      .returning({ listId: contactListMembers.listId, contactId: contactListMembers.contactId });
    const addedSet = new Set(added.map((a) => `${a.listId}:${a.contactId}`));
    for (const m of memberships) {
      if (!addedSet.has(`${m.listId}:${m.contactId}`)) continue;
      const rec = records.find((r) => r.rowNumber === m.rowNumber)!;
      rec.listsAdded = [...(rec.listsAdded ?? []), m.listId];
      if (rec.outcome === "skipped" && rec.contactId) rec.outcome = "updated";
    }
  }

  // Updated rows are read back for the time of this write: a later updated_at means someone edited the contact since.
  const updatedIds = records.flatMap((r) => (r.contactId && r.outcome === "updated" ? [r.contactId] : []));
  const written = updatedIds.length
    ? await tx
        .select({ id: contacts.id, updatedAt: contacts.updatedAt })
        .from(contacts)
        .where(and(eq(contacts.orgId, orgId), inArray(contacts.id, updatedIds)))
    : [];
  const writtenAt = new Map(written.map((w) => [w.id, w.updatedAt]));
  const writtenAtOf = (r: RowRecord) => (r.outcome === "updated" && r.contactId ? (writtenAt.get(r.contactId) ?? null) : null);

  const rowsToInsert = [];
  for (const r of records) {
    if (r.outcome === "created") continue;
    const id = randomUUID();
    rowsToInsert.push(
      sealedImportRows.sealWith(keys.data, {
        id,
        importId: imp.id,
        orgId,
        rowNumber: r.rowNumber,
        outcome: r.outcome,
        contactId: r.contactId ?? null,
        before: r.before ?? null,
        tagsAdded: r.tagsAdded ?? [],
        listsAdded: r.listsAdded ?? [],
        writtenAt: writtenAtOf(r),
        errorColumn: r.errorColumn ?? null,
        errorReason: r.errorReason ?? null,
      }),
    );
  }
  for (let i = 0; i < rowsToInsert.length; i += 1000) await bulkInsert(tx, importRows, rowsToInsert.slice(i, i + 1000));

  const counts: BatchCounts = { created: 0, updated: 0, skipped: 0, failed: 0 };
  for (const r of records) counts[r.outcome]++;
  return counts;
}
