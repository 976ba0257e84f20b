import { z } from "zod";
import { getConfig } from "@/lib/config";
import { cookieName, readCookie, serializeCookie } from "@/lib/http/cookies";
import { parseJsonBody, publicRoute } from "@/lib/http/route";
import { decodeConsentCookie } from "@/lib/privacy/consent-policy";
import { CONSENT_COOKIE, PREFERENCE_COOKIE_MAX_AGE, THEME_COOKIE, themeSchema } from "@/lib/privacy/preferences";

export const dynamic = "force-dynamic";

/** Remembers the theme in a cookie only when the person allowed preference cookies. */
export const POST = publicRoute(async (request) => {
  const secure = getConfig().secureCookies;
  const { theme } = await parseJsonBody(request, z.object({ theme: themeSchema }).strict());
  const consent = decodeConsentCookie(readCookie(request.headers.get("cookie"), cookieName(CONSENT_COOKIE, secure)));
  if (!consent?.categories.preferences) return Response.json({ stored: false }, { headers: { "cache-control": "no-store" } });
  const cookie = serializeCookie({ name: cookieName(THEME_COOKIE, secure), value: theme, maxAgeSeconds: PREFERENCE_COOKIE_MAX_AGE, httpOnly: true, secure });
  return Response.json({ stored: true }, { headers: { "cache-control": "no-store", "set-cookie": cookie } });
});
