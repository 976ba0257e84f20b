import "server-only";
import { and, arrayContains, count, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import { actionTargets, contactListMembers, contactLists, contacts } from "@/db/schema";
import { campaignContacts } from "@/lib/contacts/visibility";
import { resultRows, type Transaction } from "@/lib/db/client";
import { RuleError } from "@/lib/errors";
import type { TargetSelection } from "./input";

/** Which contacts an action targets: chosen by list, tag or id, and only ever the campaign's contacts. */

const refuse = (field: keyof TargetSelection, message: string) => new RuleError(message, { fieldErrors: { [field]: message } });

/** The condition choosing contacts from a selection, after checking that a named list exists and every named contact is the campaign's. */
export async function targetCondition(tx: Transaction, orgId: string, sel: TargetSelection): Promise<SQL | null> {
  const parts: SQL[] = [];
  if (sel.listId) {
    const [list] = await tx.select({ id: contactLists.id }).from(contactLists).where(and(eq(contactLists.id, sel.listId), eq(contactLists.orgId, orgId)));
    if (!list) throw refuse("listId", "That contact list does not exist.");
    parts.push(inArray(contacts.id, tx.select({ id: contactListMembers.contactId }).from(contactListMembers).where(eq(contactListMembers.listId, sel.listId))));
  }
  if (sel.tag) parts.push(arrayContains(contacts.tags, [sel.tag]));
  const ids = [...new Set(sel.contactIds ?? [])];
  if (ids.length) {
    const [seen] = await tx
      .select({ n: count() })
      .from(contacts)
      .where(and(inArray(contacts.id, ids), campaignContacts(orgId)));
    if ((seen?.n ?? 0) !== ids.length) throw refuse("contactIds", "Some of the chosen contacts are not available.");
    parts.push(inArray(contacts.id, ids));
  }
  return parts.length ? or(...parts)! : null;
}

/** Adds the campaign's contacts matching the condition as targets (those already there stay); returns how many were new. */
export async function addTargets(tx: Transaction, orgId: string, actionId: string, condition: SQL | null): Promise<number> {
  if (!condition) return 0;
  const rows = resultRows<{ contact_id: string }>(
    await tx.execute(sql`insert into ${actionTargets} (action_id, contact_id, org_id)
      select ${actionId}::uuid, ${contacts.id}, ${contacts.orgId} from ${contacts} where ${and(campaignContacts(orgId), condition)}
      on conflict do nothing returning contact_id`),
  );
  return rows.length;
}
