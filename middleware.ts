import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, createNonce, staticSecurityHeaders } from "@/lib/http/security-headers";

/** Wall 1 starts here; for now: a per-request nonce CSP and the security headers on every page and API response. */
export function middleware(request: NextRequest) {
  const nonce = createNonce();
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  // Next reads the nonce from the request's CSP header and stamps it on its own scripts.
  requestHeaders.set("content-security-policy", csp);
  const requestId = crypto.randomUUID();
  requestHeaders.set("x-request-id", requestId);

  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  for (const [name, value] of Object.entries(staticSecurityHeaders)) response.headers.set(name, value);
  response.headers.set("X-Request-Id", requestId);
  return response;
}

export const config = {
  // Static build assets get the same headers from next.config.ts; the bare bench route measures a handler without middleware.
  matcher: ["/((?!_next/static|_next/image|api/bench/bare).*)"],
};
