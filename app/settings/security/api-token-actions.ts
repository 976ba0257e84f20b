"use server";

import { z } from "zod";
import { issueTokenWithCredentials, renewTokenWithCredentials, type CredentialOutcome } from "@/lib/api/credentials";
import { loadApiTokenSettings, revokeOwnApiToken } from "@/lib/api/settings";
import { requiredPasswordSchema } from "@/lib/auth/fields";
import { clientAddress } from "@/lib/http/client-address";
import { sessionAction, type FormState } from "@/lib/http/action";
import { getServices } from "@/lib/services";
import { apiScopes } from "@/lib/tenancy/permissions";
import { uuidSchema } from "@/lib/validation/ids";

/** Scopes arrive as one checkbox each, named scope:<scope>. */
const scopeFields = (form: Record<string, unknown>) => apiScopes.filter((s) => form[`scope:${s}`] === "on");

const reauth = { password: requiredPasswordSchema, code: z.string().trim().max(64).optional() };
const factor = (code?: string) => (!code ? {} : /^\d{6}$/.test(code) ? { totpCode: code } : { recoveryCode: code });

function asFormState(outcome: CredentialOutcome, done: string): FormState {
  if (outcome.ok) return { ok: true, message: done, data: { secret: outcome.token.secret, expiresAt: outcome.token.expiresAt.toISOString() } };
  if (outcome.status === 401) return { fieldErrors: { password: outcome.detail ?? "Your password or code was not accepted." } };
  return { message: outcome.status === 429 ? "Too many attempts. Please wait a few minutes and try again." : outcome.title };
}

/** Creating a token needs the password (and the second factor when enrolled) again, even in a signed-in browser. */
export const createApiTokenAction = sessionAction(
  z.looseObject({ campaign: z.string().min(1).max(64), name: z.string().trim().min(1, "Give the token a name").max(80), ...reauth }),
  async (input, { session, headers, requestId }) => {
    const scopes = scopeFields(input);
    if (scopes.length === 0) return { fieldErrors: { scopes: "Choose at least one scope" } };
    const outcome = await issueTokenWithCredentials(
      { clientAddress: clientAddress(headers), userAgent: headers.get("user-agent") },
      { email: session.user.email, password: input.password, ...factor(input.code), campaign: input.campaign, name: input.name, scopes },
      requestId,
    );
    return asFormState(outcome, "Token created. Copy it now: it is shown only once.");
  },
);

export const renewApiTokenAction = sessionAction(z.object({ tokenId: uuidSchema, ...reauth }), async (input, { session, headers, requestId }) => {
  const outcome = await renewTokenWithCredentials(
    { clientAddress: clientAddress(headers), userAgent: headers.get("user-agent") },
    input.tokenId,
    { email: session.user.email, password: input.password, ...factor(input.code) },
    requestId,
  );
  return asFormState(outcome, "Token renewed for 24 hours. Copy the new secret now: the old one no longer works.");
});

export const revokeApiTokenAction = sessionAction(z.object({ tokenId: uuidSchema, campaign: uuidSchema }), async (input, { session, requestId }) => {
  const { db } = await getServices();
  const campaign = (await loadApiTokenSettings(db, session.user.id)).find((c) => c.orgId === input.campaign);
  if (!campaign) return { message: "That campaign is not available to you." };
  await revokeOwnApiToken(db, { orgId: campaign.orgId, userId: session.user.id, role: campaign.role }, input.tokenId, requestId);
  return { ok: true, message: "Token revoked." };
});
