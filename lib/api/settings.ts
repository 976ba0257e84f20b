import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { memberships, organizations, type Role } from "@/db/schema";
import type { Database } from "@/lib/db";
import { withPerson, withTenant } from "@/lib/db/tenant";
import { scopesForRole, type ApiScope } from "@/lib/tenancy/permissions";
import { listApiTokens, revokeApiToken, type ApiTokenSummary } from "./tokens";

export type TokenState = "active" | "expired" | "revoked";
export type CampaignTokens = { orgId: string; slug: string; name: string; role: Role; scopes: ApiScope[]; tokens: (ApiTokenSummary & { state: TokenState })[] };

const stateOf = (t: ApiTokenSummary, now: number): TokenState => (t.revokedAt ? "revoked" : t.expiresAt.getTime() <= now ? "expired" : "active");

/** The person's campaigns (active memberships), the scopes their role allows there, and their tokens in each. */
export async function loadApiTokenSettings(db: Database, userId: string, now = Date.now()): Promise<CampaignTokens[]> {
  const campaigns = await withPerson(db, userId, (tx) =>
    tx
      .select({ orgId: organizations.id, slug: organizations.slug, name: organizations.name, role: memberships.role })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.orgId))
      .where(and(eq(memberships.userId, userId), isNull(memberships.disabledAt), isNull(organizations.suspendedAt)))
      .orderBy(organizations.name),
  );
  return Promise.all(
    campaigns.map(async (c) => ({
      ...c,
      scopes: scopesForRole(c.role),
      tokens: (await withTenant(db, { orgId: c.orgId, userId }, (tx) => listApiTokens(tx, { orgId: c.orgId, userId }))).map((t) => ({ ...t, state: stateOf(t, now) })),
    })),
  );
}

/** Revokes one of the person's tokens from the settings page (no re-authentication: revoking only takes access away). */
export async function revokeOwnApiToken(db: Database, holder: { orgId: string; userId: string; role: Role }, tokenId: string, requestId: string): Promise<void> {
  await withTenant(db, { orgId: holder.orgId, userId: holder.userId }, (tx) => revokeApiToken(tx, holder, tokenId, { requestId }));
}
