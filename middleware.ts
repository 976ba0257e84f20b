import { NextResponse, type NextRequest } from "next/server";
import { authCookieNames } from "@/lib/auth/cookies";
import { verifySessionToken } from "@/lib/auth/session-token";
import { wallEnabled } from "@/lib/tenancy/walls";
import { contentSecurityPolicy, createNonce, staticSecurityHeaders } from "@/lib/http/security-headers";

/** Wall 1. Paths that need a signed-in person; campaigns the token does not list are 404. Pages and actions check again. */
const PRIVATE_PREFIXES = ["/orgs", "/o/", "/settings"];

function isPrivate(pathname: string): boolean {
  return PRIVATE_PREFIXES.some((p) => pathname === p.replace(/\/$/, "") || pathname.startsWith(p.endsWith("/") ? p : `${p}/`));
}

function withSecurityHeaders(response: NextResponse, csp: string, requestId: string): NextResponse {
  response.headers.set("Content-Security-Policy", csp);
  for (const [name, value] of Object.entries(staticSecurityHeaders)) response.headers.set(name, value);
  response.headers.set("X-Request-Id", requestId);
  return response;
}

export async function middleware(request: NextRequest) {
  const nonce = createNonce();
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const requestId = crypto.randomUUID();

  if (isPrivate(request.nextUrl.pathname)) {
    const secure = (process.env.APP_URL ?? "").startsWith("https://");
    const token = request.cookies.get(authCookieNames(secure).session)?.value;
    const claims = await verifySessionToken(token, process.env.AUTH_SECRET ?? "");
    if (!claims) {
      const login = new URL("/login", request.url);
      login.searchParams.set("next", request.nextUrl.pathname + request.nextUrl.search);
      return withSecurityHeaders(NextResponse.redirect(login), csp, requestId);
    }
    // A campaign the token does not list is "not found", never "forbidden": slugs are not enumerable.
    const slug = /^\/o\/([^/]+)/.exec(request.nextUrl.pathname)?.[1];
    if (slug && wallEnabled("middleware") && !claims.staff && claims.orgs && !Object.hasOwn(claims.orgs, safeDecode(slug)))
      return withSecurityHeaders(NextResponse.rewrite(new URL("/404", request.url), { status: 404 }), csp, requestId);
  }

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  // Next reads the nonce from the request's CSP header and stamps it on its own scripts.
  requestHeaders.set("content-security-policy", csp);
  requestHeaders.set("x-request-id", requestId);
  return withSecurityHeaders(NextResponse.next({ request: { headers: requestHeaders } }), csp, requestId);
}

export const config = {
  // Static build assets get the same headers from next.config.ts; the bare bench route measures a handler without middleware.
  matcher: ["/((?!_next/static|_next/image|api/bench/bare).*)"],
};

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
