"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { FormState } from "@/lib/http/action";
import { describeRowError, parseContactsCsv, SYNC_MAX_BYTES, syncContacts, type SyncRowError } from "@/lib/contacts/sync";
import { orgAction } from "@/lib/tenancy/guards";

const MAX_SHOWN = 20;

function summary(added: number, skipped: number): string {
  if (added === 0) return `Nothing new: ${skipped === 1 ? "that contact is" : `all ${skipped} contacts are`} already among your synced contacts (same email).`;
  const done = added === 1 ? "Added 1 contact." : `Added ${added} contacts.`;
  return skipped ? `${done} Skipped ${skipped} already among your synced contacts (same email).` : done;
}

/** Row errors as the page lists them: the first few, and how many more. */
function rowErrors(errors: SyncRowError[]): FormState {
  const shown = errors.slice(0, MAX_SHOWN).map(describeRowError);
  if (errors.length > MAX_SHOWN) shown.push(`…and ${errors.length - MAX_SHOWN} more.`);
  return { message: "Nothing was added. Fix these rows and upload the file again:", data: { errors: shown } };
}

const text = z.string().optional();

export const syncOneAction = orgAction("contacts:sync", z.object({ name: text, email: text, phone: text, notes: text }), async (input, { access, tx }) => {
  const result = await syncContacts(tx, { orgId: access.org.id, userId: access.userId }, [{ row: 1, values: input }], "form");
  if (!result.ok) return { message: "Please correct the highlighted fields.", fieldErrors: Object.fromEntries(result.errors.map((e) => [e.field, e.message])) };
  revalidatePath(`/o/${access.org.slug}/contacts/sync`);
  if (result.added === 0) return { ok: true, message: "You already synced a contact with that email; nothing was added." };
  return { ok: true, message: "Added to your synced contacts." };
});

const csvFile = z.custom<File>((v) => v instanceof File && v.size > 0, "Choose a CSV file to upload");

// The file is read into memory, parsed and dropped: only the contacts are kept, sealed.
export const syncCsvAction = orgAction("contacts:sync", z.object({ file: csvFile }), async ({ file }, { access, tx }) => {
  if (file.size > SYNC_MAX_BYTES) return { message: "The file is larger than 2 MB; split it into smaller files." };
  const parsed = parseContactsCsv(await file.text());
  if (!parsed.ok) return rowErrors(parsed.errors);
  const result = await syncContacts(tx, { orgId: access.org.id, userId: access.userId }, parsed.rows, "csv");
  if (!result.ok) return rowErrors(result.errors);
  revalidatePath(`/o/${access.org.slug}/contacts/sync`);
  return { ok: true, message: summary(result.added, result.skipped) };
});
