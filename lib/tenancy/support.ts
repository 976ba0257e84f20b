import "server-only";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { organizations, supportAccessGrants } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import type { Database } from "@/lib/db";
import { resultRows } from "@/lib/db/client";
import { withPerson } from "@/lib/db/tenant";
import { RuleError } from "@/lib/errors";
import { orgSettingsSchema } from "./settings";

export const MAX_SUPPORT_MINUTES = 24 * 60;

/**
 * Platform staff open a time-boxed grant with a reason. The campaign's setting may refuse support access
 * entirely; the grant, and every page read under it, shows in the campaign's activity feed.
 */
export async function openSupportAccess(db: Database, staff: { id: string; isStaff: boolean }, input: { slug: string; reason: string; minutes: number }) {
  if (!staff.isStaff) throw new RuleError("Only platform staff can request support access.");
  if (input.minutes < 5 || input.minutes > MAX_SUPPORT_MINUTES) throw new RuleError("Support access lasts between 5 minutes and 24 hours.");
  return withPerson(db, staff.id, async (tx) => {
    const [org] = resultRows<{ id: string; suspended: boolean }>(await tx.execute(sql`select id, suspended from org_lookup_by_slug(${input.slug})`));
    if (!org) throw new RuleError("No campaign has that address.");
    const now = new Date();
    const [grant] = await tx
      .insert(supportAccessGrants)
      .values({ orgId: org.id, staffUserId: staff.id, reason: input.reason, createdAt: now, expiresAt: new Date(now.getTime() + input.minutes * 60_000) })
      .returning();
    await tx.execute(sql`select set_config('app.org_id', ${org.id}, true)`);
    // With the grant in place RLS lets staff read the campaign's settings; a refusal rolls the grant back.
    const [row] = await tx.select({ settings: organizations.settings }).from(organizations).where(eq(organizations.id, org.id));
    if (!row || orgSettingsSchema.parse(row.settings ?? {}).supportAccess === "refused")
      throw new RuleError("This campaign does not allow support access.");
    await recordAuditEvent(tx, {
      orgId: org.id,
      actor: { kind: "staff", id: staff.id },
      action: "support_access.granted",
      target: { type: "support_grant", id: grant!.id },
      metadata: { durationMinutes: input.minutes },
    });
    return grant!;
  });
}

export async function listMySupportGrants(db: Database, staffId: string) {
  return withPerson(db, staffId, (tx) =>
    tx
      .select({ id: supportAccessGrants.id, orgId: supportAccessGrants.orgId, reason: supportAccessGrants.reason, expiresAt: supportAccessGrants.expiresAt })
      .from(supportAccessGrants)
      .where(and(eq(supportAccessGrants.staffUserId, staffId), isNull(supportAccessGrants.revokedAt), gt(supportAccessGrants.expiresAt, new Date())))
      .orderBy(desc(supportAccessGrants.createdAt)),
  );
}
