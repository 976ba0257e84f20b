import "server-only";
import { createHmac, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { apiTokens, users } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import type { Database, Transaction } from "@/lib/db";
import { resultRows } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { RuleError } from "@/lib/errors";
import { derivedKey } from "@/lib/keys";
import { apiScopes, scopesForRole, type AccessRole, type ApiScope } from "@/lib/tenancy/permissions";

/** Prefix of every secret, so secret scanners recognise a leaked one. */
export const API_TOKEN_PREFIX = "rpt_";
/** A token lives at most this long; renewing it needs the person to authenticate again. */
export const API_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

export const apiTokenNameSchema = z.string().trim().min(1, "Give the token a name").max(80, "A token name is at most 80 characters");
export const apiScopesSchema = z.array(z.enum(apiScopes)).min(1, "Choose at least one scope").max(apiScopes.length);

export type ApiTokenHolder = { orgId: string; userId: string; role: AccessRole };
export type IssuedApiToken = { id: string; secret: string; expiresAt: Date };
export type ApiTokenRevocation = "user" | "password_changed" | "user_disabled" | "membership_ended";

const SECRET_PATTERN = /^rpt_[A-Za-z0-9_-]{43}$/;

/** The keyed hash that is all the database keeps of a secret. */
export function hashApiSecret(secret: string): string {
  return createHmac("sha256", derivedKey("api-token")).update(secret).digest("base64url");
}

/** A keyed fingerprint of the password hash at issue: a different one at use means the password changed since. */
export function passwordStamp(passwordHash: string | null): string {
  return createHmac("sha256", derivedKey("api-token-password")).update(passwordHash ?? "").digest("base64url");
}

function newSecret(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

const actor = (holder: ApiTokenHolder) => ({ kind: "member" as const, id: holder.userId });

async function currentPasswordHash(tx: Transaction, userId: string): Promise<string | null> {
  const [row] = resultRows<{ password_hash: string | null }>(await tx.execute(sql`select password_hash from users where id = ${userId}`));
  return row?.password_hash ?? null;
}

/** Scopes beyond what the member's role opens are refused, never silently dropped. */
function requireScopesWithinRole(role: AccessRole, scopes: readonly ApiScope[]): void {
  const allowed = new Set(scopesForRole(role));
  const excess = scopes.filter((s) => !allowed.has(s));
  if (role === "support" || excess.length > 0)
    throw new RuleError("Your role in this campaign does not allow these scopes.", {
      fieldErrors: { scopes: `Not allowed for your role: ${excess.join(", ") || "any"}` },
      status: 403,
    });
}

/** Issues a token for the holder, in their tenant transaction (RLS lets them write only their own). The secret leaves only here. */
export async function issueApiToken(
  tx: Transaction,
  holder: ApiTokenHolder,
  input: { name: string; scopes: ApiScope[] },
  options: { requestId?: string | null; now?: Date } = {},
): Promise<IssuedApiToken> {
  const name = apiTokenNameSchema.parse(input.name);
  const scopes = [...new Set(apiScopesSchema.parse(input.scopes))];
  requireScopesWithinRole(holder.role, scopes);
  const now = options.now ?? new Date();
  const secret = newSecret();
  const expiresAt = new Date(now.getTime() + API_TOKEN_LIFETIME_MS);
  const [row] = await tx
    .insert(apiTokens)
    .values({
      orgId: holder.orgId,
      userId: holder.userId,
      name,
      scopes,
      secretHash: hashApiSecret(secret),
      passwordStamp: passwordStamp(await currentPasswordHash(tx, holder.userId)),
      createdAt: now,
      expiresAt,
    })
    .returning({ id: apiTokens.id });
  await recordAuditEvent(tx, {
    orgId: holder.orgId,
    actor: actor(holder),
    action: "api_token.created",
    target: { type: "api_token", id: row!.id },
    metadata: { scopes },
    requestId: options.requestId ?? null,
  });
  return { id: row!.id, secret, expiresAt };
}

const tokenNotFound = () => new RuleError("That token does not exist or is no longer active.", { status: 404 });

/** A new secret and a fresh 24 hours for a live token; the old secret stops working. The caller has just authenticated the person. */
export async function renewApiToken(tx: Transaction, holder: ApiTokenHolder, id: string, options: { requestId?: string | null; now?: Date } = {}): Promise<IssuedApiToken> {
  const now = options.now ?? new Date();
  const secret = newSecret();
  const expiresAt = new Date(now.getTime() + API_TOKEN_LIFETIME_MS);
  const [row] = await tx
    .update(apiTokens)
    .set({ secretHash: hashApiSecret(secret), renewedAt: now, expiresAt, passwordStamp: passwordStamp(await currentPasswordHash(tx, holder.userId)) })
    .where(and(eq(apiTokens.id, id), eq(apiTokens.orgId, holder.orgId), eq(apiTokens.userId, holder.userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id, scopes: apiTokens.scopes });
  if (!row) throw tokenNotFound();
  // Renewal never widens: scopes the role has lost since are refused now, not carried forward.
  requireScopesWithinRole(holder.role, row.scopes as ApiScope[]);
  await recordAuditEvent(tx, { orgId: holder.orgId, actor: actor(holder), action: "api_token.renewed", target: { type: "api_token", id }, requestId: options.requestId ?? null });
  return { id, secret, expiresAt };
}

/** Revokes one of the holder's tokens. */
export async function revokeApiToken(tx: Transaction, holder: ApiTokenHolder, id: string, options: { requestId?: string | null } = {}): Promise<void> {
  const [row] = await tx
    .update(apiTokens)
    .set({ revokedAt: new Date(), revokedReason: "user" })
    .where(and(eq(apiTokens.id, id), eq(apiTokens.orgId, holder.orgId), eq(apiTokens.userId, holder.userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (!row) throw tokenNotFound();
  await recordAuditEvent(tx, {
    orgId: holder.orgId,
    actor: actor(holder),
    action: "api_token.revoked",
    target: { type: "api_token", id },
    metadata: { reason: "user" },
    requestId: options.requestId ?? null,
  });
}

export type ApiTokenSummary = Pick<typeof apiTokens.$inferSelect, "id" | "name" | "scopes" | "createdAt" | "renewedAt" | "expiresAt" | "lastUsedAt" | "revokedAt" | "revokedReason">;

/** The holder's tokens in this campaign, newest first, with last use; never a secret or its hash. */
export function listApiTokens(tx: Transaction, holder: Pick<ApiTokenHolder, "orgId" | "userId">): Promise<ApiTokenSummary[]> {
  return tx
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      scopes: apiTokens.scopes,
      createdAt: apiTokens.createdAt,
      renewedAt: apiTokens.renewedAt,
      expiresAt: apiTokens.expiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
      revokedReason: apiTokens.revokedReason,
    })
    .from(apiTokens)
    .where(and(eq(apiTokens.orgId, holder.orgId), eq(apiTokens.userId, holder.userId)))
    .orderBy(desc(apiTokens.createdAt));
}

export type PresentedToken = { id: string; orgId: string; userId: string; orgSlug: string; scopes: ApiScope[] };
export type TokenCheck =
  | { ok: true; token: PresentedToken }
  | { ok: false; reason: "unknown" }
  | { ok: false; reason: "expired" | "revoked" | "password_changed" | "user_disabled"; token: PresentedToken };

/**
 * The first steps of the API's guard: secret → token → not revoked, not expired, person not disabled, password
 * unchanged since issue. A password change or a disabled account revokes the token here, at its next use.
 */
export async function checkApiSecret(db: Database, secret: string, now = new Date()): Promise<TokenCheck> {
  if (!SECRET_PATTERN.test(secret)) return { ok: false, reason: "unknown" };
  const [row] = resultRows<{
    id: string;
    org_id: string;
    user_id: string;
    scopes: string[];
    password_stamp: string;
    expires_at: string | Date;
    revoked_at: string | Date | null;
    org_slug: string;
  }>(await db.execute(sql`select * from api_token_lookup(${hashApiSecret(secret)})`));
  if (!row) return { ok: false, reason: "unknown" };
  const token: PresentedToken = { id: row.id, orgId: row.org_id, userId: row.user_id, orgSlug: row.org_slug, scopes: row.scopes as ApiScope[] };
  if (row.revoked_at) return { ok: false, reason: "revoked", token };
  if (new Date(row.expires_at).getTime() <= now.getTime()) return { ok: false, reason: "expired", token };
  const [person] = await db.select({ passwordHash: users.passwordHash, disabledAt: users.disabledAt }).from(users).where(eq(users.id, row.user_id));
  if (!person || person.disabledAt) {
    await endToken(db, token, "user_disabled");
    return { ok: false, reason: "user_disabled", token };
  }
  if (passwordStamp(person.passwordHash) !== row.password_stamp) {
    await endToken(db, token, "password_changed");
    return { ok: false, reason: "password_changed", token };
  }
  return { ok: true, token };
}

/** Revokes a token the person can no longer hold (system scope: they may no longer reach the campaign). */
export function endToken(db: Database, token: PresentedToken, reason: Exclude<ApiTokenRevocation, "user">): Promise<void> {
  return withTenant(db, { orgId: token.orgId }, async (tx) => {
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date(), revokedReason: reason })
      .where(and(eq(apiTokens.id, token.id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    if (row)
      await recordAuditEvent(tx, { orgId: token.orgId, actor: { kind: "system" }, action: "api_token.revoked", target: { type: "api_token", id: token.id }, metadata: { reason } });
  });
}

/** A refused use of a known token, in its campaign's log (system scope: the person may no longer reach it). */
export function recordRefusedUse(
  db: Database,
  token: PresentedToken,
  reason: "expired" | "revoked" | "password_changed" | "user_disabled" | "membership_ended" | "org_suspended" | "scope" | "permission",
  requestId: string,
): Promise<void> {
  return withTenant(db, { orgId: token.orgId }, async (tx) => {
    await recordAuditEvent(tx, { orgId: token.orgId, actor: { kind: "member", id: token.userId }, action: "api_token.refused", target: { type: "api_token", id: token.id }, metadata: { reason }, requestId });
  });
}

/** Marks the token used, at most once a minute, inside the request's tenant transaction. */
export async function touchApiToken(tx: Transaction, tokenId: string): Promise<void> {
  await tx
    .update(apiTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(apiTokens.id, tokenId), sql`(${apiTokens.lastUsedAt} is null or ${apiTokens.lastUsedAt} < now() - interval '1 minute')`));
}
