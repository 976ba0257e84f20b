import { resendVerification } from "@/lib/auth/accounts";
import { signInCredentialsSchema } from "@/lib/auth/fields";
import { getServices } from "@/lib/services";
import { beginSecurityKeySignIn } from "@/lib/auth/sign-in";
import { deviceCookieName } from "@/lib/auth/device-cookie";
import { getConfig } from "@/lib/config";
import { clientAddress } from "@/lib/http/client-address";
import { readCookie } from "@/lib/http/cookies";
import { problemResponse } from "@/lib/http/problem";
import { parseJsonBody, publicRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * Step two of signing in with a security key: the same email and password again (checked and
 * counted like a sign-in), answered with a challenge for the person's own keys. Refusals are
 * problem documents whose type names the sign-in error code the login page already knows.
 */
export const POST = publicRoute(async (request, { requestId }) => {
  const input = await parseJsonBody(request, signInCredentialsSchema);
  const runtime = await getServices();
  const result = await beginSecurityKeySignIn(
    { db: runtime.db, limiters: runtime.limiters, guard: runtime.signInGuard, policy: runtime.policy, onEmailUnverified: (userId) => resendVerification(runtime, userId) },
    {
      ...input,
      clientAddress: clientAddress(request.headers),
      userAgent: request.headers.get("user-agent"),
      deviceToken: readCookie(request.headers.get("cookie"), deviceCookieName(getConfig().secureCookies)),
    },
  );
  if (result.ok) return Response.json({ options: result.options }, { headers: { "cache-control": "no-store" } });
  if (result.reason === "rate_limited") {
    const retryAfter = Math.max(1, Math.ceil(((result.retryAt ?? 0) - Date.now()) / 1000));
    return problemResponse(
      { type: "urn:rampart:sign-in:rate_limited", status: 429, title: "Too many sign-in attempts", requestId },
      { headers: { "retry-after": String(retryAfter) } },
    );
  }
  return problemResponse({ type: `urn:rampart:sign-in:${result.reason}`, status: 401, title: "Sign-in refused", requestId });
});
