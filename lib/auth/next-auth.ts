import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getConfig } from "@/lib/config";
import { clientAddress, lastForwardedHop } from "@/lib/http/client-address";
import { hashClientAddress, loadSecrets } from "@/lib/keys";
import { metrics } from "@/lib/metrics";
import { resendVerification } from "./accounts";
import { authCookieNames } from "./cookies";
import { deviceCookieName } from "./device-cookie";
import { readCookie } from "@/lib/http/cookies";
import { signInCredentialsSchema } from "./fields";
import { getServices } from "@/lib/services";
import { signSessionToken, verifySessionToken } from "./session-token";
import { revokeSessions } from "./sessions";
import { describeDevice } from "./device";
import { hashEmail, normalizeAccountEmail } from "./email";
import { knownRefusal, signInWithPassword, type SignInResult } from "./sign-in";
import { loadSessionClaims } from "./token-claims";
import { recordAuditEvent } from "@/lib/audit";

const credentialsSchema = signInCredentialsSchema.extend({
  totpCode: z.string().max(12).optional(),
  recoveryCode: z.string().max(32).optional(),
  webauthnResponse: z.string().max(16 * 1024).optional(),
});

function header(headers: Record<string, unknown> | undefined, name: string): string | null {
  const value = headers?.[name];
  return typeof value === "string" ? value : null;
}

/** The error code the login page reads: "rate_limited:<retry ms>", "second_factor_required:totp,webauthn", or the bare reason. */
export function signInErrorCode(result: Extract<SignInResult, { ok: false }>): string {
  if (result.reason === "rate_limited") return `rate_limited:${result.retryAt ?? 0}`;
  if (result.reason === "second_factor_required") return `second_factor_required:${(result.factors ?? []).join(",")}`;
  return result.reason;
}

/**
 * next-auth with one credentials provider. The session cookie is a short JWS (jose, HS256) naming
 * the person and the session row; middleware verifies it on the Edge, the guard checks the row.
 * Sign-in failures surface as error codes the login page turns into calm messages. A successful sign-in hands the
 * browser's new device cookie to `hooks.onDeviceToken` (the route sets it on the answer).
 */
export function buildAuthOptions(hooks: { onDeviceToken?: (token: string) => void } = {}): NextAuthOptions {
  const config = getConfig();
  const secret = loadSecrets().authSecret;
  const names = authCookieNames(config.secureCookies);
  const cookieOptions = { httpOnly: true, sameSite: "lax" as const, path: "/", secure: config.secureCookies };
  return {
    secret,
    session: { strategy: "jwt", maxAge: config.auth.sessionMaxAgeSeconds },
    jwt: {
      maxAge: config.auth.sessionMaxAgeSeconds,
      encode: async ({ token }) => {
        if (!token?.sub || typeof token.sid !== "string") return "";
        const orgs = token.orgs && typeof token.orgs === "object" ? (token.orgs as Record<string, string>) : undefined;
        return signSessionToken({ sub: token.sub, sid: token.sid, orgs, staff: token.staff === true }, secret, config.auth.sessionMaxAgeSeconds);
      },
      decode: async ({ token }) => {
        const claims = await verifySessionToken(token ?? undefined, secret);
        return claims ? { ...claims } : null;
      },
    },
    cookies: {
      sessionToken: { name: names.session, options: cookieOptions },
      csrfToken: { name: names.csrf, options: cookieOptions },
      callbackUrl: { name: names.callbackUrl, options: cookieOptions },
    },
    pages: { signIn: "/login", error: "/login" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: {}, password: {}, totpCode: {}, recoveryCode: {}, webauthnResponse: {} },
        async authorize(raw, req) {
          const parsed = credentialsSchema.safeParse({
            email: raw?.email,
            password: raw?.password,
            totpCode: raw?.totpCode || undefined,
            recoveryCode: raw?.recoveryCode || undefined,
            webauthnResponse: raw?.webauthnResponse || undefined,
          });
          if (!parsed.success) throw new Error("invalid");
          const runtime = await getServices();
          const result = await signInWithPassword(
            {
              db: runtime.db,
              limiters: runtime.limiters,
              guard: runtime.signInGuard,
              policy: runtime.policy,
              onEmailUnverified: (userId) => resendVerification(runtime, userId),
            },
            {
              ...parsed.data,
              clientAddress: lastForwardedHop(header(req.headers, "x-forwarded-for")),
              userAgent: header(req.headers, "user-agent"),
              deviceToken: readCookie(header(req.headers, "cookie"), deviceCookieName(config.secureCookies)),
            },
          );
          if (!result.ok) throw new Error(signInErrorCode(result));
          if (result.deviceToken) hooks.onDeviceToken?.(result.deviceToken);
          // The token lists the person's campaigns so middleware can answer 404 without a database.
          const claims = await loadSessionClaims(runtime.db, result.userId, result.sessionId);
          return { id: result.userId, sid: result.sessionId, orgs: claims.orgs, staff: claims.staff };
        },
      }),
    ],
    callbacks: {
      jwt: ({ token, user }) => {
        if (user) {
          const u = user as { id: string; sid?: string; orgs?: Record<string, string>; staff?: boolean };
          return { sub: u.id, sid: u.sid, orgs: u.orgs, staff: u.staff };
        }
        return token;
      },
      // The client never needs more than "signed in": names and emails come from server components.
      session: ({ session }) => ({ expires: session.expires }),
    },
    events: {
      signOut: async ({ token }) => {
        if (token?.sub && typeof token.sid === "string") {
          const runtime = await getServices();
          await revokeSessions(runtime.db, { userId: token.sub, only: token.sid }, "signed_out");
          await recordAuditEvent(runtime.db, { orgId: null, actor: { kind: "member", id: token.sub }, action: "auth.sign_out" });
        }
      },
    },
    logger: {
      // next-auth's own logger prints error objects (with messages such as our codes); keep it quiet.
      error: () => undefined,
      warn: () => undefined,
      debug: () => undefined,
    },
  };
}

/**
 * A credentials sign-in that this process already refuses (lib/auth/sign-in.ts knownRefusal) is answered 429 before
 * next-auth parses anything: a flood from a blocked address, or at a locked account, costs almost nothing per guess.
 * The refusal still reaches the sign-in history. Null when the request goes on to next-auth as usual.
 */
export async function refuseKnownFlood(request: Request): Promise<Response | null> {
  const form = await request
    .clone()
    .formData()
    .catch(() => null);
  const email = form?.get("email");
  if (typeof email !== "string" || email.length === 0 || email.length > 320) return null;
  const config = getConfig();
  const runtime = await getServices();
  const emailHash = hashEmail(normalizeAccountEmail(email));
  const clientAddressHash = hashClientAddress(clientAddress(request.headers));
  const deviceToken = readCookie(request.headers.get("cookie"), deviceCookieName(config.secureCookies));
  const known = await knownRefusal(runtime.signInGuard, { emailHash, addressHash: clientAddressHash ?? "unknown", deviceToken });
  if (!known) return null;
  const userAgent = request.headers.get("user-agent");
  runtime.signInGuard.recorder.add({ userId: known.userId, emailHash, method: "password", clientAddressHash, deviceSummary: describeDevice(userAgent) });
  metrics().signIns.inc({ outcome: "rate_limited" });
  const url = `${config.appUrl}/login?error=${encodeURIComponent(`rate_limited:${known.until}`)}`;
  const retryAfter = Math.max(1, Math.ceil((known.until - Date.now()) / 1000));
  return Response.json({ url }, { status: 429, headers: { "retry-after": String(retryAfter), "cache-control": "no-store" } });
}
