import "server-only";
import { and, eq, gt, isNull, lte, sql } from "drizzle-orm";
import { memberships, organizations, supportAccessGrants } from "@/db/schema";
import type { Database, Transaction } from "@/lib/db";
import { resultRows } from "@/lib/db/client";
import { withPerson, withTenant } from "@/lib/db/tenant";
import { can, type AccessRole, type Permission } from "./permissions";
import { orgSettingsSchema, type OrgSettings } from "./settings";
import { wallEnabled } from "./walls";

export type Viewer = { id: string; isStaff: boolean; hasSecondFactor: () => Promise<boolean> };
export type OrgSummary = { id: string; slug: string; name: string; settings: OrgSettings };
export type OrgAccess = {
  org: OrgSummary;
  role: AccessRole;
  userId: string;
  grantId?: string;
  can(permission: Permission): boolean;
  /** Runs tenant work for this organisation as this person (wall 3 checks them again). */
  run<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
};
export type AccessDecision =
  | { ok: true; access: OrgAccess }
  | { ok: false; reason: "not_found" | "suspended" | "second_factor_required"; org?: { slug: string } };

const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

/**
 * Wall 2, the guard chain after the session: organisation from the URL (not suspended) → the person's
 * membership row (or a live support grant for staff) → the permission table → the campaign's 2FA policy.
 * Anything short of access reads as "not found", so slugs cannot be enumerated.
 */
/** One permission, or several of which any one is enough (a page admins read in full and volunteers in part). */
export type Needed = Permission | readonly Permission[];
const anyOf = (needed: Needed): readonly Permission[] => (typeof needed === "string" ? [needed] : needed);

export async function resolveOrgAccess(db: Database, viewer: Viewer, slug: string, permission: Needed): Promise<AccessDecision> {
  if (!slugPattern.test(slug)) return { ok: false, reason: "not_found" };
  const found = await withPerson(db, viewer.id, async (tx) => {
    const [org] = resultRows<{ id: string; suspended: boolean }>(await tx.execute(sql`select id, suspended from org_lookup_by_slug(${slug})`));
    if (!org) return null;
    const [member] = await tx
      .select({ role: memberships.role, disabledAt: memberships.disabledAt })
      .from(memberships)
      .where(and(eq(memberships.orgId, org.id), eq(memberships.userId, viewer.id)));
    let grantId: string | undefined;
    if (!member && viewer.isStaff) {
      const [grant] = await tx
        .select({ id: supportAccessGrants.id })
        .from(supportAccessGrants)
        .where(
          and(
            eq(supportAccessGrants.orgId, org.id),
            eq(supportAccessGrants.staffUserId, viewer.id),
            isNull(supportAccessGrants.revokedAt),
            gt(supportAccessGrants.expiresAt, new Date()),
            // Only a grant that has begun and spans at most 24 h, whoever dated it.
            lte(supportAccessGrants.createdAt, new Date()),
            lte(supportAccessGrants.expiresAt, sql`${supportAccessGrants.createdAt} + interval '24 hours'`),
          ),
        );
      grantId = grant?.id;
    }
    return { org, member, grantId };
  });
  if (!found) return { ok: false, reason: "not_found" };

  const guardOn = wallEnabled("guard");
  const role: AccessRole | null = guardOn ? (found.member && !found.member.disabledAt ? found.member.role : found.grantId ? "support" : null) : "owner";
  if (!role) return { ok: false, reason: "not_found" };
  if (guardOn && found.org.suspended) return role === "support" ? { ok: false, reason: "not_found" } : { ok: false, reason: "suspended", org: { slug } };

  const run = <T>(fn: (tx: Transaction) => Promise<T>) => withTenant(db, { orgId: found.org.id, userId: viewer.id }, fn);
  const [orgRow] = await run((tx) =>
    tx.select({ id: organizations.id, slug: organizations.slug, name: organizations.name, settings: organizations.settings }).from(organizations).where(eq(organizations.id, found.org.id)),
  );
  // Wall 3 disagrees with what the guard found (e.g. support refused by the campaign's setting): not found.
  if (!orgRow) return { ok: false, reason: "not_found" };
  const settings = orgSettingsSchema.parse(orgRow.settings ?? {});
  if (guardOn && role === "support" && settings.supportAccess === "refused") return { ok: false, reason: "not_found" };
  if (guardOn && !anyOf(permission).some((p) => can(role, p))) return { ok: false, reason: "not_found" };
  if (guardOn && role !== "support" && requiresSecondFactor(settings, role) && !(await viewer.hasSecondFactor()))
    return { ok: false, reason: "second_factor_required", org: { slug } };

  return {
    ok: true,
    access: {
      org: { ...orgRow, settings },
      role,
      userId: viewer.id,
      grantId: found.grantId,
      can: (p) => can(role, p),
      run,
    },
  };
}

function requiresSecondFactor(settings: OrgSettings, role: AccessRole): boolean {
  if (settings.require2fa === "everyone") return true;
  return settings.require2fa === "admins" && (role === "owner" || role === "admin");
}
