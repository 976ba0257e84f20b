import "server-only";
import { and, eq } from "drizzle-orm";
import { apiTokens, organizations } from "@/db/schema";
import { verifyCredentials, enrolledSecondFactors, type VerifiedCredentials } from "@/lib/auth/sign-in";
import { withSystem } from "@/lib/db/tenant";
import { clientAddress } from "@/lib/http/client-address";
import { HttpError } from "@/lib/http/route";
import { getServices } from "@/lib/services";
import { authorize, resolveOrgMembership, type OrgAccess, type Viewer } from "@/lib/tenancy/access";
import type { ApiScope } from "@/lib/tenancy/permissions";
import { issueApiToken, renewApiToken } from "./tokens";

type Credentials = { email: string; password: string; totpCode?: string; recoveryCode?: string };

const wrongCredentials = () => new HttpError(401, "Email, password or second factor not accepted");

/** Fresh authentication through the sign-in path (its limits, its history); every refusal is the same 401 but for the limit. */
async function authenticate(request: Request, input: Credentials): Promise<VerifiedCredentials> {
  const { db, limiters } = await getServices();
  const result = await verifyCredentials(
    { db, limiters },
    { ...input, clientAddress: clientAddress(request.headers), userAgent: request.headers.get("user-agent") },
  );
  if (result.ok) return result;
  if (result.reason === "rate_limited") {
    const seconds = String(Math.max(1, Math.ceil(((result.retryAt ?? Date.now()) - Date.now()) / 1000)));
    throw new HttpError(429, "Too many attempts", undefined, { "Retry-After": seconds });
  }
  if (result.reason === "second_factor_required") throw new HttpError(401, "Second factor required", "Send totpCode or recoveryCode with the password");
  throw wrongCredentials();
}

/** The person's standing in the campaign, as the pages decide it (membership, suspension, the campaign's 2FA policy). */
async function standing(userId: string, slug: string): Promise<OrgAccess> {
  const { db } = await getServices();
  const viewer: Viewer = { id: userId, isStaff: false, hasSecondFactor: async () => (await enrolledSecondFactors(db, userId)).length > 0 };
  const decision = await authorize(await resolveOrgMembership(db, viewer, slug), viewer, "org:view");
  if (decision.ok) return decision.access;
  if (decision.reason === "suspended") throw new HttpError(403, "This campaign is suspended");
  if (decision.reason === "second_factor_required") throw new HttpError(403, "This campaign requires two-step verification; enrol a second factor first");
  throw new HttpError(404, "Not found", "No such campaign among yours");
}

export async function issueTokenWithCredentials(request: Request, input: Credentials & { campaign: string; name: string; scopes: ApiScope[] }, requestId: string) {
  const verified = await authenticate(request, input);
  const access = await standing(verified.user.id, input.campaign);
  const issued = await access.run((tx) => issueApiToken(tx, { orgId: access.org.id, userId: access.userId, role: access.role }, input, { requestId }));
  await verified.record("succeeded", verified.user.id);
  return { id: issued.id, token: issued.secret, expiresAt: issued.expiresAt, scopes: [...new Set(input.scopes)] };
}

export async function renewTokenWithCredentials(request: Request, tokenId: string, input: Credentials, requestId: string) {
  const verified = await authenticate(request, input);
  const { db } = await getServices();
  // Which campaign the token is for, among this person's own tokens only.
  const [row] = await withSystem(db, (tx) =>
    tx
      .select({ slug: organizations.slug })
      .from(apiTokens)
      .innerJoin(organizations, eq(organizations.id, apiTokens.orgId))
      .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, verified.user.id))),
  );
  if (!row) throw new HttpError(404, "Not found");
  const access = await standing(verified.user.id, row.slug);
  const renewed = await access.run((tx) => renewApiToken(tx, { orgId: access.org.id, userId: access.userId, role: access.role }, tokenId, { requestId }));
  await verified.record("succeeded", verified.user.id);
  return { id: renewed.id, token: renewed.secret, expiresAt: renewed.expiresAt };
}
