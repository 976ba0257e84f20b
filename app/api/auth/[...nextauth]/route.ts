import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { buildAuthOptions } from "@/lib/auth/next-auth";
import { publicRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Public by nature (sign-in itself); next-auth adds its own double-submit CSRF token on top of the Origin check. */
const handler = publicRoute<{ nextauth: string[] }>(async (req, { params }) => {
  const response: Response = await NextAuth(req as NextRequest, { params: Promise.resolve(params) }, buildAuthOptions());
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
