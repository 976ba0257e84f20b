import "server-only";
import { and, eq, isNotNull, sql, type SQL } from "drizzle-orm";
import { contactTagsInUse, contacts } from "@/db/schema";
import type { Database, Transaction } from "@/lib/db/client";
import { inEachCampaign, type CampaignFailure } from "@/lib/db/each-campaign";

/**
 * The tags of a campaign's own contacts, kept in contact_tags_in_use so that a tag menu reads a few rows instead of
 * unnesting every contact of the campaign (≈1.5-3.5 s at a million). Every write of contacts' tags adds what it wrote
 * (insertContacts, insertSealedContacts, updateContactFields); the hourly chores drop the tags no campaign contact carries any more, so a
 * tag removed from its last contact can linger in a menu for up to an hour (choosing it finds nobody).
 * Contacts a member synced from their own address book are left out: nobody else may see them until reported, and a
 * menu adds the tags of the synced contacts its reader sees from the contacts themselves (few, by a partial index).
 */
export const MENU_TAGS = 200;

/** After inserting campaign contacts (not synced ones) with these tags. */
export async function rememberTags(tx: Transaction, orgId: string, tags: Iterable<string>): Promise<void> {
  const distinct = [...new Set(tags)];
  if (distinct.length === 0) return;
  await tx
    .insert(contactTagsInUse)
    .values(distinct.map((tag) => ({ orgId, tag })))
    .onConflictDoNothing();
}

/** After changing one contact's tags: its tags, when it is a campaign contact. */
export async function rememberTagsOf(tx: Transaction, orgId: string, contactId: string): Promise<void> {
  await tx.execute(sql`insert into ${contactTagsInUse} (org_id, tag)
    select distinct c.org_id, unnest(c.tags) from ${contacts} c where c.org_id = ${orgId} and c.id = ${contactId} and c.synced_by is null
    on conflict do nothing`);
}

/**
 * A menu's tags, sorted, at most MENU_TAGS: the campaign's kept tags, and those of the synced contacts `visible`
 * selects (a condition on contacts: the reader's own, and the reported ones where the reader sees them).
 */
export async function menuTags(tx: Transaction, orgId: string, visible: SQL): Promise<string[]> {
  const kept = tx.select({ tag: contactTagsInUse.tag }).from(contactTagsInUse).where(eq(contactTagsInUse.orgId, orgId));
  const synced = tx
    .select({ tag: sql<string>`unnest(${contacts.tags})`.as("tag") })
    .from(contacts)
    .where(and(visible, isNotNull(contacts.syncedBy)));
  const rows = await kept.union(synced).orderBy(sql`1`).limit(MENU_TAGS);
  return rows.map((r) => r.tag);
}

/** The hourly chore: per campaign, forget the tags no campaign contact carries (one GIN lookup per kept tag). */
export async function pruneTagsInUse(db: Database): Promise<{ removed: number; failures: CampaignFailure[] }> {
  const { values, failures } = await inEachCampaign(db, async (tx, orgId) => {
    const gone = await tx
      .delete(contactTagsInUse)
      .where(
        and(
          eq(contactTagsInUse.orgId, orgId),
          sql`not exists (select 1 from ${contacts} c where c.org_id = ${orgId} and c.synced_by is null and c.tags @> array[${contactTagsInUse.tag}])`,
        ),
      )
      .returning({ tag: contactTagsInUse.tag });
    return gone.length;
  });
  return { removed: values.reduce((n, v) => n + v, 0), failures };
}
