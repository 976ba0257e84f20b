import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { deviceCookieHeader } from "@/lib/auth/device-cookie";
import { buildAuthOptions, refuseKnownFlood } from "@/lib/auth/next-auth";
import { getConfig } from "@/lib/config";
import { publicRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Public by nature (sign-in itself); next-auth adds its own double-submit CSRF token on top of the Origin check. */
const handler = publicRoute<{ nextauth: string[] }>(async (req, { params }) => {
  if (req.method === "POST" && params.nextauth.join("/") === "callback/credentials") {
    const refused = await refuseKnownFlood(req);
    if (refused) return refused;
  }
  let deviceToken: string | undefined;
  const options = buildAuthOptions({ onDeviceToken: (token) => (deviceToken = token) });
  const response: Response = await NextAuth(req as NextRequest, { params: Promise.resolve(params) }, options);
  // A successful sign-in leaves this browser a device cookie (lib/auth/device-cookie.ts).
  if (deviceToken) response.headers.append("set-cookie", deviceCookieHeader(deviceToken, getConfig().secureCookies));
  return markRateLimited(response);
});

/** next-auth answers a refused sign-in with 200/401 and an error URL; a rate-limited one becomes HTTP 429 with Retry-After. */
async function markRateLimited(response: Response): Promise<Response> {
  if (!response.headers.get("content-type")?.includes("application/json")) return response;
  const body = await response.clone().text();
  const match = /error=rate_limited%3A(\d+)/.exec(body);
  if (!match) return response;
  const retryAfter = Math.max(1, Math.ceil((Number(match[1]) - Date.now()) / 1000));
  const headers = new Headers(response.headers);
  headers.set("retry-after", String(retryAfter));
  return new Response(body, { status: 429, headers });
}

export const GET = handler;
export const POST = handler;
