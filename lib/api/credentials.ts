import "server-only";
import { and, eq } from "drizzle-orm";
import { apiTokens, organizations } from "@/db/schema";
import { verifyCredentials, enrolledSecondFactors, type VerifiedCredentials } from "@/lib/auth/sign-in";
import { withSystem } from "@/lib/db/tenant";
import { HttpError } from "@/lib/http/route";
import { getServices } from "@/lib/services";
import { authorize, resolveOrgMembership, type OrgAccess, type Viewer } from "@/lib/tenancy/access";
import type { ApiScope } from "@/lib/tenancy/permissions";
import { issueApiToken, renewApiToken, type IssuedApiToken } from "./tokens";

/** Fresh authentication: the password and, when the person has enrolled one, a code. */
export type Credentials = { email: string; password: string; totpCode?: string; recoveryCode?: string };
/** Where the attempt comes from, for the sign-in limits and history. */
export type Client = { clientAddress: string | null; userAgent: string | null };
/** Why no token was given: the API answers with the status, the settings page with the title. */
export type CredentialRefusal = { ok: false; status: 401 | 403 | 404 | 429; title: string; detail?: string; retryAfterSeconds?: number };
export type CredentialOutcome = { ok: true; token: IssuedApiToken & { scopes?: ApiScope[] } } | CredentialRefusal;

const refuse = (status: CredentialRefusal["status"], title: string, detail?: string, retryAfterSeconds?: number): CredentialRefusal => ({ ok: false, status, title, detail, retryAfterSeconds });

/** Fresh authentication through the sign-in path (its limits, its history); every refusal is the same 401 but for the limit. */
async function authenticate(client: Client, input: Credentials): Promise<VerifiedCredentials | CredentialRefusal> {
  const { db, limiters } = await getServices();
  const result = await verifyCredentials({ db, limiters }, { ...input, ...client });
  if (result.ok) return result;
  if (result.reason === "rate_limited") return refuse(429, "Too many attempts", undefined, Math.max(1, Math.ceil(((result.retryAt ?? Date.now()) - Date.now()) / 1000)));
  if (result.reason === "second_factor_required") return refuse(401, "Second factor required", "Send a code from your authenticator app or a recovery code with the password");
  return refuse(401, "Email, password or second factor not accepted");
}

/** The person's standing in the campaign, as the pages decide it (membership, suspension, the campaign's 2FA policy). */
async function standing(userId: string, slug: string): Promise<OrgAccess | CredentialRefusal> {
  const { db } = await getServices();
  const viewer: Viewer = { id: userId, isStaff: false, hasSecondFactor: async () => (await enrolledSecondFactors(db, userId)).length > 0 };
  const decision = await authorize(await resolveOrgMembership(db, viewer, slug), viewer, "org:view");
  if (decision.ok) return decision.access;
  if (decision.reason === "suspended") return refuse(403, "This campaign is suspended");
  if (decision.reason === "second_factor_required") return refuse(403, "This campaign requires two-step verification; enrol a second factor first");
  return refuse(404, "Not found", "No such campaign among yours");
}

/** A new token for one campaign after fresh authentication (the API's POST /tokens and the settings page alike). */
export async function issueTokenWithCredentials(
  client: Client,
  input: Credentials & { campaign: string; name: string; scopes: ApiScope[] },
  requestId: string,
): Promise<CredentialOutcome> {
  const verified = await authenticate(client, input);
  if (!verified.ok) return verified;
  const access = await standing(verified.user.id, input.campaign);
  if ("ok" in access) return access;
  const issued = await access.run((tx) => issueApiToken(tx, { orgId: access.org.id, userId: access.userId, role: access.role }, input, { requestId }));
  await verified.record("succeeded", verified.user.id);
  return { ok: true, token: { ...issued, scopes: [...new Set(input.scopes)] } };
}

/** A new secret and 24 more hours for one of the person's live tokens, after fresh authentication. */
export async function renewTokenWithCredentials(client: Client, tokenId: string, input: Credentials, requestId: string): Promise<CredentialOutcome> {
  const verified = await authenticate(client, input);
  if (!verified.ok) return verified;
  const { db } = await getServices();
  // Which campaign the token is for, among this person's own tokens only.
  const [row] = await withSystem(db, (tx) =>
    tx
      .select({ slug: organizations.slug })
      .from(apiTokens)
      .innerJoin(organizations, eq(organizations.id, apiTokens.orgId))
      .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, verified.user.id))),
  );
  if (!row) return refuse(404, "Not found");
  const access = await standing(verified.user.id, row.slug);
  if ("ok" in access) return access;
  const renewed = await access.run((tx) => renewApiToken(tx, { orgId: access.org.id, userId: access.userId, role: access.role }, tokenId, { requestId }));
  await verified.record("succeeded", verified.user.id);
  return { ok: true, token: renewed };
}

/** The API's answer for an outcome: the token once, or the refusal as problem+json. */
export function tokenAnswer(outcome: CredentialOutcome, status: 200 | 201) {
  if (!outcome.ok)
    throw new HttpError(outcome.status, outcome.title, outcome.detail, outcome.retryAfterSeconds ? { "Retry-After": String(outcome.retryAfterSeconds) } : undefined);
  const { id, secret, expiresAt, scopes } = outcome.token;
  return { status, body: { id, token: secret, expiresAt, ...(scopes ? { scopes } : {}) } };
}
