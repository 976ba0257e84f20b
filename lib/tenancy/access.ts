import "server-only";
import { and, eq, sql, type SQL } from "drizzle-orm";
import { sessions, users } from "@/db/schema";
import { acceptSessionRow, isSessionId, sessionRowFields, type SessionPolicy, type ValidSession } from "@/lib/auth/sessions";
import type { Database, Transaction } from "@/lib/db";
import { resultRows } from "@/lib/db/client";
import { enterPerson, enterPersonForCampaign, enterTenant, withTenant } from "@/lib/db/tenant";
import { isSlug, uuidSchema } from "@/lib/validation/ids";
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

type StandingRow = {
  id: string;
  suspended: boolean;
  member_role: AccessRole | null;
  member_disabled: boolean | null;
  grant_id: string | null;
  row_id: string | null;
  slug: string | null;
  name: string | null;
  settings: unknown;
};

/**
 * The standing read (app_campaign_standing, migration 0027): campaign by slug (not suspended), the person's membership
 * row, a live support grant when `staff` holds (only one that has begun and spans at most 24 h, whoever dated it),
 * and the campaign row, which the function reads under the person's RLS (`organizations_visible`: an active member,
 * or staff under a live grant the campaign allows, of a campaign not suspended, a person not disabled), so wall 3
 * checks them in the same read. One JSON value, null when no campaign has the slug. A function, so its plan is
 * prepared once per connection rather than on every request.
 */
function standingSql(userId: string, staff: SQL, slug: string | null): SQL {
  return sql`app_campaign_standing(${userId}::uuid, ${staff}, ${slug}::text, ${new Date().toISOString()}::timestamptz)`;
}

/** A transaction as this person with no campaign: the role follows wall 3's test switch, as the campaign row's read is wall 3's check. */
function asPerson<T>(db: Database, userId: string, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await enterPerson(tx, userId, { tenantWall: true });
    return fn(tx);
  });
}

/**
 * Wall 2, the guard chain after the session: organisation from the URL (not suspended) → the person's
 * membership row (or a live support grant for staff) → the campaign's settings through wall 3, in one
 * transaction of two statements (the person's settings, then the standing read above).
 * Anything short of access reads as "not found", so slugs cannot be enumerated.
 */
export async function resolveOrgMembership(db: Database, viewer: Viewer, slug: string): Promise<ResolvedAccess> {
  if (!isSlug(slug)) return { ok: false, reason: "not_found" };
  const userId = uuidSchema.parse(viewer.id);
  const [row] = await asPerson(db, userId, async (tx) =>
    resultRows<{ standing: StandingRow | null }>(await tx.execute(sql`select ${standingSql(userId, viewer.isStaff ? sql`true` : sql`false`, slug)} as standing`)),
  );
  return standingFrom(viewer.id, slug, row?.standing ?? undefined, (orgId) => (fn) => withTenant(db, { orgId, userId: viewer.id }, fn));
}

export type SessionInCampaign = { session: ValidSession | null; resolved: ResolvedAccess };
const refused = { ok: false, reason: "not_found" } as const;

/** The session row behind the token (its person must be the token's) with the standing in the campaign as one JSON column. */
async function readSessionStanding(tx: Transaction, userId: string, sessionId: string, slug: string) {
  const standing = isSlug(slug) ? standingSql(userId, sql`${users.isStaff}`, slug) : sql`null::json`;
  const [row] = await tx
    .select({ ...sessionRowFields, standing: sql<StandingRow | null>`${standing}` })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)));
  return row;
}

/**
 * For a route handler: the session row behind a verified token and the person's standing in one campaign, in one
 * read (the session checks are validateSession's, applied to the row by acceptSessionRow). No valid session:
 * `session` is null and the standing is not looked at; a session whose person is not the token's is no session.
 */
export async function resolveSessionInCampaign(db: Database, token: { sub: string; sid: string }, slug: string, policy: SessionPolicy): Promise<SessionInCampaign> {
  const userId = uuidSchema.safeParse(token.sub);
  if (!userId.success || !isSessionId(token.sid)) return { session: null, resolved: refused };
  const row = await asPerson(db, userId.data, (tx) => readSessionStanding(tx, userId.data, token.sid, slug));
  const session = row ? await acceptSessionRow(db, row, policy) : null;
  if (!session || !row) return { session: null, resolved: refused };
  const run = (orgId: string) => <T>(fn: (tx: Transaction) => Promise<T>) => withTenant(db, { orgId, userId: userId.data }, fn);
  return { session, resolved: row.standing ? standingFrom(userId.data, slug, row.standing, run) : refused };
}

/**
 * The same checks, and the request's own work in the same transaction (for read routes: one BEGIN, COMMIT and
 * person set-up fewer). The transaction starts as the person with the slug's campaign already requested
 * (enterPersonForCampaign: the role, the campaign and the person for RLS, as enterTenant sets them), so `access.run`
 * for that campaign runs at once; for any other campaign it first switches (enterTenant). Inside `body` every database call goes
 * through `tx` or `access.run` (an embedded database has one connection); a failure in `body` rolls back the
 * session's touch too, which the next request repeats.
 */
export async function withSessionInCampaign<T>(
  db: Database,
  token: { sub: string; sid: string },
  slug: string,
  policy: SessionPolicy,
  body: (answer: SessionInCampaign & { tx?: Transaction }) => Promise<T>,
): Promise<T> {
  const userId = uuidSchema.safeParse(token.sub);
  if (!userId.success || !isSessionId(token.sid)) return body({ session: null, resolved: refused });
  return db.transaction(async (tx) => {
    // The person, and already the campaign the slug names: access.run below need not set up again for it.
    let entered = await enterPersonForCampaign(tx, userId.data, isSlug(slug) ? slug : null);
    const row = await readSessionStanding(tx, userId.data, token.sid, slug);
    const session = row ? await acceptSessionRow(tx, row, policy) : null;
    if (!session || !row) return body({ session: null, resolved: refused, tx });
    const run =
      (orgId: string) =>
      async <R>(fn: (tx: Transaction) => Promise<R>): Promise<R> => {
        if (entered !== orgId) {
          await enterTenant(tx, { orgId, userId: userId.data });
          entered = orgId;
        }
        return fn(tx);
      };
    return body({ session, resolved: row.standing ? standingFrom(userId.data, slug, row.standing, run) : refused, tx });
  });
}

type Runner = (orgId: string) => <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>;

/** The guard's decision on a standing row (absent: no such campaign); `run` gives the granted access its tenant transactions. */
function standingFrom(userId: string, slug: string, found: StandingRow | undefined, run: Runner): ResolvedAccess {
  const guardOn = wallEnabled("guard");
  if (!found) return { ok: false, reason: "not_found" };
  // A membership row, even a disabled one, means no grant is asked for (as staff who are members act as members).
  const grantId = found.member_role === null ? (found.grant_id ?? undefined) : undefined;
  const role: AccessRole | null = guardOn ? (found.member_role && !found.member_disabled ? found.member_role : grantId ? "support" : null) : "owner";
  if (!role) return { ok: false, reason: "not_found" };
  if (guardOn && found.suspended) return role === "support" ? { ok: false, reason: "not_found" } : { ok: false, reason: "suspended", org: { slug } };
  // Wall 3 disagrees with what the guard found (e.g. support refused by the campaign's setting): not found.
  if (!found.row_id || found.slug === null || found.name === null) return { ok: false, reason: "not_found" };
  const settings = orgSettingsSchema.parse(found.settings ?? {});
  if (guardOn && role === "support" && settings.supportAccess === "refused") return { ok: false, reason: "not_found" };
  const orgId = found.row_id;
  return {
    ok: true,
    needsSecondFactor: guardOn && role !== "support" && requiresSecondFactor(settings, role),
    access: {
      org: { id: orgId, slug: found.slug, name: found.name, settings },
      role,
      userId,
      grantId,
      can: (p) => can(role, p),
      run: run(orgId),
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
