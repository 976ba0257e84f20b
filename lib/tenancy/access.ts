import "server-only";
import { and, eq, gt, isNull, lte, sql } from "drizzle-orm";
import { memberships, organizations, supportAccessGrants } from "@/db/schema";
import type { Database, Transaction } from "@/lib/db";
import { resultRows } from "@/lib/db/client";
import { enterTenant, withPerson, withTenant } from "@/lib/db/tenant";
import { isSlug } from "@/lib/validation/ids";
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
export type AccessRefusal = { ok: false; reason: "not_found" | "suspended" | "second_factor_required"; org?: { slug: string } };
export type AccessDecision = { ok: true; access: OrgAccess } | AccessRefusal;

/** One permission, or several of which any one is enough (a page admins read in full and volunteers in part). */
export type Needed = Permission | readonly Permission[];
const anyOf = (needed: Needed): readonly Permission[] => (typeof needed === "string" ? [needed] : needed);

/** Who this person is in this campaign, before any permission is asked: resolved once per request. */
export type ResolvedAccess = { ok: true; access: OrgAccess; needsSecondFactor: boolean } | AccessRefusal;

/**
 * Wall 2, the guard chain after the session: organisation from the URL (not suspended) → the person's
 * membership row (or a live support grant for staff) → the campaign's settings through wall 3, all in one
 * transaction. Anything short of access reads as "not found", so slugs cannot be enumerated.
 */
export async function resolveOrgMembership(db: Database, viewer: Viewer, slug: string): Promise<ResolvedAccess> {
  if (!isSlug(slug)) return { ok: false, reason: "not_found" };
  const guardOn = wallEnabled("guard");
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
    const role: AccessRole | null = guardOn ? (member && !member.disabledAt ? member.role : grantId ? "support" : null) : "owner";
    if (!role) return { org, role, grantId, orgRow: undefined };
    // The same transaction now acts in the campaign: wall 3 decides whether the settings row is visible to this person.
    await enterTenant(tx, { orgId: org.id, userId: viewer.id });
    const [orgRow] = await tx
      .select({ id: organizations.id, slug: organizations.slug, name: organizations.name, settings: organizations.settings })
      .from(organizations)
      .where(eq(organizations.id, org.id));
    return { org, role, grantId, orgRow };
  });
  if (!found || !found.role) return { ok: false, reason: "not_found" };
  const { role } = found;
  if (guardOn && found.org.suspended) return role === "support" ? { ok: false, reason: "not_found" } : { ok: false, reason: "suspended", org: { slug } };
  // Wall 3 disagrees with what the guard found (e.g. support refused by the campaign's setting): not found.
  if (!found.orgRow) return { ok: false, reason: "not_found" };
  const settings = orgSettingsSchema.parse(found.orgRow.settings ?? {});
  if (guardOn && role === "support" && settings.supportAccess === "refused") return { ok: false, reason: "not_found" };
  const orgId = found.org.id;
  return {
    ok: true,
    needsSecondFactor: guardOn && role !== "support" && requiresSecondFactor(settings, role),
    access: {
      org: { ...found.orgRow, settings },
      role,
      userId: viewer.id,
      grantId: found.grantId,
      can: (p) => can(role, p),
      run: <T>(fn: (tx: Transaction) => Promise<T>) => withTenant(db, { orgId, userId: viewer.id }, fn),
    },
  };
}

/** The rest of the chain for one request's question: the permission table, then the campaign's 2FA policy. */
export async function authorize(resolved: ResolvedAccess, viewer: Pick<Viewer, "hasSecondFactor">, permission: Needed): Promise<AccessDecision> {
  if (!resolved.ok) return resolved;
  const guardOn = wallEnabled("guard");
  if (guardOn && !anyOf(permission).some((p) => resolved.access.can(p))) return { ok: false, reason: "not_found" };
  if (resolved.needsSecondFactor && !(await viewer.hasSecondFactor())) return { ok: false, reason: "second_factor_required", org: { slug: resolved.access.org.slug } };
  return { ok: true, access: resolved.access };
}

/** The whole chain after the session for one permission. */
export async function resolveOrgAccess(db: Database, viewer: Viewer, slug: string, permission: Needed): Promise<AccessDecision> {
  return authorize(await resolveOrgMembership(db, viewer, slug), viewer, permission);
}

function requiresSecondFactor(settings: OrgSettings, role: AccessRole): boolean {
  if (settings.require2fa === "everyone") return true;
  return settings.require2fa === "admins" && (role === "owner" || role === "admin");
}
