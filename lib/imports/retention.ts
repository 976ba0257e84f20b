import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { memberships, organizations } from "@/db/schema";
import type { Database } from "@/lib/db/client";
import { withPerson } from "@/lib/db/tenant";
import { orgSettingsSchema } from "@/lib/tenancy/settings";

/** What each of the person's campaigns keeps of its imports, for the /security page: the campaign's own settings, read as that person. */
export async function importRetentionForPerson(db: Database, userId: string) {
  const rows = await withPerson(db, userId, (tx) =>
    tx
      .select({ name: organizations.name, slug: organizations.slug, settings: organizations.settings })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.orgId))
      .where(and(eq(memberships.userId, userId), isNull(memberships.disabledAt)))
      .orderBy(organizations.name),
  );
  return rows.map((r) => {
    const s = orgSettingsSchema.parse(r.settings);
    return { name: r.name, slug: r.slug, uploadMinutes: s.importUploadMinutes, resultDays: s.importResultDays, historyDays: s.importHistoryDays };
  });
}
