import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { clientAddress } from "@/lib/http/client-address";
import { cookieName, readCookie, serializeCookie } from "@/lib/http/cookies";
import { parseJsonBody, publicRoute } from "@/lib/http/route";
import { recordConsent } from "@/lib/privacy/consent";
import { consentChoiceSchema, decodeConsentCookie, encodeConsentCookie } from "@/lib/privacy/consent-policy";
import { CONSENT_COOKIE, CONSENT_COOKIE_MAX_AGE, THEME_COOKIE } from "@/lib/privacy/preferences";

export const dynamic = "force-dynamic";

export const GET = publicRoute(async (request) => {
  const secure = getConfig().secureCookies;
  const state = decodeConsentCookie(readCookie(request.headers.get("cookie"), cookieName(CONSENT_COOKIE, secure)));
  return Response.json({ consent: state }, { headers: { "cache-control": "no-store" } });
});

export const POST = publicRoute(async (request) => {
  const secure = getConfig().secureCookies;
  const choice = await parseJsonBody(request, consentChoiceSchema);
  const previous = decodeConsentCookie(readCookie(request.headers.get("cookie"), cookieName(CONSENT_COOKIE, secure)));
  const state = await recordConsent(await getDb(), {
    choice,
    previousConsentId: previous?.consentId,
    clientAddress: clientAddress(request.headers),
  });
  const headers = new Headers({ "cache-control": "no-store" });
  headers.append(
    "set-cookie",
    serializeCookie({ name: cookieName(CONSENT_COOKIE, secure), value: encodeConsentCookie(state), maxAgeSeconds: CONSENT_COOKIE_MAX_AGE, httpOnly: true, secure }),
  );
  // Withdrawing consent removes what it allowed.
  if (!state.categories.preferences)
    headers.append("set-cookie", serializeCookie({ name: cookieName(THEME_COOKIE, secure), value: "", maxAgeSeconds: 0, httpOnly: true, secure }));
  return Response.json({ consent: state }, { headers });
});
