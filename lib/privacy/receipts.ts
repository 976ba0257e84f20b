import "server-only";
import { desc, eq } from "drizzle-orm";
import { privacyReceipts, type PrivacyReceipt, type PrivacyReceiptKind } from "@/db/schema";
import type { Database } from "@/lib/db/client";
import { withPerson } from "@/lib/db/tenant";

export type NewReceipt = { kind: PrivacyReceiptKind; orgId?: string | null; orgName?: string | null; count: number; details?: Record<string, number | string> };

/** Writes the person's receipts (RLS: only their own) and returns them. */
export async function writeReceipts(db: Database, userId: string, receipts: NewReceipt[]): Promise<PrivacyReceipt[]> {
  if (receipts.length === 0) return [];
  return withPerson(db, userId, (tx) =>
    tx
      .insert(privacyReceipts)
      .values(receipts.map((r) => ({ userId, kind: r.kind, orgId: r.orgId ?? null, orgName: r.orgName ?? null, count: r.count, details: r.details ?? {} })))
      .returning(),
  );
}

export function listReceipts(db: Database, userId: string, limit = 50): Promise<PrivacyReceipt[]> {
  return withPerson(db, userId, (tx) =>
    tx.select().from(privacyReceipts).where(eq(privacyReceipts.userId, userId)).orderBy(desc(privacyReceipts.createdAt)).limit(limit),
  );
}

/** "2026-11-23 18:04 UTC": minutes are enough for a receipt, and UTC says which day it was everywhere. */
export function formatUtcMinute(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One line a person can keep: "Receipt 1a2b3c4d: 12 contacts deleted from Demo Campaign on 2026-11-23 18:04 UTC". */
export function describeReceipt(r: Pick<PrivacyReceipt, "id" | "kind" | "orgName" | "count" | "createdAt">): string {
  const head = `Receipt ${r.id.slice(0, 8)}:`;
  const when = `on ${formatUtcMinute(r.createdAt)}`;
  switch (r.kind) {
    case "synced_contacts_deleted":
      return `${head} ${plural(r.count, "contact")} deleted from ${r.orgName ?? "a campaign"} ${when}`;
    case "deletion_requested":
      return `${head} deletion of your data requested from ${plural(r.count, "campaign")} ${when}`;
    case "data_exported":
      return `${head} your data exported (${plural(r.count, "synced contact")} included) ${when}`;
  }
}
