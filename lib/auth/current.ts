import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getConfig } from "@/lib/config";
import { authCookieNames } from "./cookies";
import { getServices } from "@/lib/services";
import { verifySessionToken, type SessionClaims } from "./session-token";
import { validateSession, type ValidSession } from "./sessions";

/** The verified claims of this request's session cookie (signature, issuer, expiry), not yet checked against the session row. */
export const getSessionClaims = cache(async (): Promise<SessionClaims | null> => {
  const token = (await cookies()).get(authCookieNames(getConfig().secureCookies).session)?.value;
  if (!token) return null;
  return verifySessionToken(token, (await getServices()).secret);
});

/** The signed-in person of this request, checked against their session row (revoked, expired, idle, disabled → none). */
export const getCurrentSession = cache(async (): Promise<ValidSession | null> => {
  const claims = await getSessionClaims();
  if (!claims) return null;
  const runtime = await getServices();
  const valid = await validateSession(runtime.db, claims.sid, runtime.policy);
  return valid && valid.user.id === claims.sub ? valid : null;
});

/** For pages and actions that need a person: no valid session → the login page, then back here. */
export async function requireSession(returnTo = "/orgs"): Promise<ValidSession> {
  const session = await getCurrentSession();
  if (!session) redirect(`/login?next=${encodeURIComponent(returnTo)}`);
  return session;
}
