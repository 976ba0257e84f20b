import { NextResponse, type NextRequest } from "next/server";
import { authCookieNames } from "@/lib/auth/cookies";
import { verifySessionToken } from "@/lib/auth/session-token";
import { wallEnabled } from "@/lib/tenancy/walls";
import { problemResponse } from "@/lib/http/problem";
import { contentSecurityPolicy, createNonce, staticSecurityHeaders } from "@/lib/http/security-headers";

/** Wall 1. Paths that need a signed-in person; campaigns the token does not list are 404. Pages and actions check again. */
const PRIVATE_PREFIXES = ["/orgs", "/o/", "/settings"];
/** A campaign's pages, and its JSON routes for the browser (the dashboard's feed, import progress, …): the campaign's slug. */
const CAMPAIGN_PAGE = /^\/o\/([^/]+)/;
const CAMPAIGN_API = /^\/api\/o\/([^/]+)/;

function isPrivate(pathname: string): boolean {
  return PRIVATE_PREFIXES.some((p) => pathname === p.replace(/\/$/, "") || pathname.startsWith(p.endsWith("/") ? p : `${p}/`));
}

function withSecurityHeaders<R extends Response>(response: R, csp: string, requestId: string): R {
  response.headers.set("Content-Security-Policy", csp);
  for (const [name, value] of Object.entries(staticSecurityHeaders)) response.headers.set(name, value);
  response.headers.set("X-Request-Id", requestId);
  return response;
}

export async function middleware(request: NextRequest) {
  const nonce = createNonce();
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const requestId = crypto.randomUUID();

  const pathname = request.nextUrl.pathname;
  // The campaign JSON routes answer as the API does (problem details), where a page redirects or shows its 404 page.
  const apiSlug = CAMPAIGN_API.exec(pathname)?.[1];
  if (apiSlug !== undefined || isPrivate(pathname)) {
    const secure = (process.env.APP_URL ?? "").startsWith("https://");
    const token = request.cookies.get(authCookieNames(secure).session)?.value;
    const claims = await verifySessionToken(token, process.env.AUTH_SECRET ?? "");
    if (!claims) {
      if (apiSlug !== undefined) return withSecurityHeaders(problemResponse({ status: 401, title: "Sign in required", requestId }), csp, requestId);
      const login = new URL("/login", request.url);
      login.searchParams.set("next", pathname + request.nextUrl.search);
      return withSecurityHeaders(NextResponse.redirect(login), csp, requestId);
    }
    // A campaign the token does not list is "not found", never "forbidden": slugs are not enumerable.
    const slug = apiSlug ?? CAMPAIGN_PAGE.exec(pathname)?.[1];
    if (slug && wallEnabled("middleware") && !claims.staff && claims.orgs && !Object.hasOwn(claims.orgs, safeDecode(slug)))
      return apiSlug !== undefined
        ? withSecurityHeaders(problemResponse({ status: 404, title: "Not found", requestId }), csp, requestId)
        : withSecurityHeaders(NextResponse.rewrite(new URL("/404", request.url), { status: 404 }), csp, requestId);
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
