import "server-only";
import { cookies } from "next/headers";
import { getConfig } from "@/lib/config";
import { authCookieNames } from "./cookies";
import { getServices } from "@/lib/services";
import { signSessionToken } from "./session-token";
import type { ValidSession } from "./sessions";
import { loadSessionClaims } from "./token-claims";

/** After a person's own campaigns change (created, joined, left), their cookie gets the new list for middleware. */
export async function reissueSessionCookie(session: ValidSession): Promise<void> {
  const runtime = await getServices();
  const config = getConfig();
  const claims = await loadSessionClaims(runtime.db, session.user.id, session.session.id);
  const remaining = Math.max(60, Math.floor((session.session.expiresAt.getTime() - Date.now()) / 1000));
  const token = await signSessionToken(claims, runtime.secret, remaining);
  (await cookies()).set(authCookieNames(config.secureCookies).session, token, {
    httpOnly: true,
    sameSite: "lax",
    secure: config.secureCookies,
    path: "/",
    maxAge: remaining,
  });
}
