import "server-only";
import { z } from "zod";
import type { Transaction } from "@/lib/db";
import { databaseErrorOf } from "@/lib/privacy/db-errors";
import { enrolledSecondFactors } from "@/lib/auth/sign-in";
import { clientAddress } from "@/lib/http/client-address";
import { problemResponse } from "@/lib/http/problem";
import { errorResponse, HttpError, timedRoute } from "@/lib/http/route";
import { hashClientAddress } from "@/lib/keys";
import type { RateLimitResult } from "@/lib/ratelimit";
import { getServices } from "@/lib/services";
import { authorize, resolveOrgMembership, type OrgAccess, type Viewer } from "@/lib/tenancy/access";
import { scopesForRole, type ApiScope } from "@/lib/tenancy/permissions";
import { parseJsonText, readCappedBody } from "./body";
import type { ApiEndpoint } from "./endpoint";
import { findStoredAnswer, parseIdempotencyKey, requestFingerprint, storeAnswer } from "./idempotency";
import { apiLimiters, rateLimitHeaders } from "./limits";
import { checkApiSecret, endToken, recordRefusedUse, touchApiToken, type PresentedToken } from "./tokens";

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;
type BaseContext<E extends ApiEndpoint> = {
  request: Request;
  requestId: string;
  params: Out<E["params"]>;
  query: Out<E["query"]>;
  body: Out<E["body"]>;
};
export type TokenContext<E extends ApiEndpoint> = BaseContext<E> & {
  access: OrgAccess;
  /** The request's one tenant transaction, as the token's person (RLS checks them again). */
  tx: Transaction;
  token: PresentedToken;
  /** The token's scopes narrowed to what the member's role allows today. */
  scopes: ApiScope[];
};
/** What a handler answers: a JSON body and its status, or a ready Response. */
export type ApiAnswer = { status?: number; body?: unknown; headers?: Record<string, string> } | Response;
type Handler<E extends ApiEndpoint> = E["auth"] extends string ? (ctx: BaseContext<E>) => Promise<ApiAnswer> : (ctx: TokenContext<E>) => Promise<ApiAnswer>;
type RouteContext = { params: Promise<Record<string, string>> };

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const unauthorized = (requestId: string, detail?: string, headers?: Record<string, string>) =>
  problemResponse({ status: 401, title: "A valid API token is required", detail, requestId }, { headers: { "WWW-Authenticate": 'Bearer realm="rampart"', ...headers } });

function toResponse(answer: ApiAnswer, headers: Record<string, string>, defaultStatus: number): Response {
  if (answer instanceof Response) {
    for (const [k, v] of Object.entries(headers)) answer.headers.set(k, v);
    return answer;
  }
  const status = answer.status ?? defaultStatus;
  const all = { "cache-control": "no-store", ...headers, ...answer.headers };
  if (status === 204) return new Response(null, { status, headers: all });
  return Response.json(answer.body ?? null, { status, headers: all });
}

async function parseInput<E extends ApiEndpoint>(endpoint: E, request: Request, routeParams: Record<string, string>, raw: string) {
  // A malformed id is "not found", like an id of another campaign.
  const params = endpoint.params ? endpoint.params.safeParse(routeParams) : { success: true as const, data: undefined };
  if (!params.success) throw new HttpError(404, "Not found");
  const query = endpoint.query ? endpoint.query.parse(Object.fromEntries(new URL(request.url).searchParams)) : undefined;
  let body: unknown;
  if (endpoint.body) body = endpoint.body.parse(parseJsonText(request.headers.get("content-type"), raw));
  else if (raw.trim() !== "") throw new HttpError(415, "This endpoint takes no request body");
  return { params: params.data, query, body } as Pick<BaseContext<E>, "params" | "query" | "body">;
}

/**
 * The one wrapper of every /api/v1 handler. With a token endpoint: bearer secret → token → not revoked, not expired,
 * person not disabled, password unchanged → campaign not suspended → membership → scope (narrowed to the role) →
 * permission from the one table → limits → input → one tenant transaction, with Idempotency-Key honoured on POST.
 * Cookies are never read: a browser's session is no credential here, so there is nothing to forge across sites.
 * Every error is problem+json without stack, SQL or personal data.
 */
export function apiRoute<E extends ApiEndpoint>(endpoint: E, handler: Handler<E>) {
  const route = timedRoute(async (request: Request, context: RouteContext, requestId: string): Promise<Response> => {
    let limitHeaders: Record<string, string> = {};
    try {
      if (request.method !== endpoint.method) throw new HttpError(405, "Method not allowed");
      const { db } = await getServices();
      const limiters = apiLimiters(db);
      const limits: RateLimitResult[] = [await limiters.perAddress.limit(hashClientAddress(clientAddress(request.headers)) ?? "unknown")];
      limitHeaders = rateLimitHeaders(limits);
      // Before any token is looked up, so a flood of dead tokens from one address cannot flood the audit log either.
      if (!limits[0]!.success) return problemResponse({ status: 429, title: "Too many requests", requestId }, { headers: limitHeaders });

      if (typeof endpoint.auth === "string") {
        const raw = await readCappedBody(request);
        const input = await parseInput(endpoint, request, await context.params, raw);
        const answer = await (handler as (ctx: BaseContext<E>) => Promise<ApiAnswer>)({ request, requestId, ...input });
        return toResponse(answer, limitHeaders, endpoint.successStatus ?? 200);
      }

      const secret = BEARER.exec(request.headers.get("authorization") ?? "")?.[1];
      if (!secret) return unauthorized(requestId);
      const checked = await checkApiSecret(db, secret);
      if (!checked.ok) {
        if (checked.reason !== "unknown") await recordRefusedUse(db, checked.token, checked.reason, requestId);
        return unauthorized(requestId, checked.reason === "expired" ? "The token has expired; renew it" : undefined);
      }
      const { token } = checked;
      limits.push(await limiters.perToken.limit(`t:${token.id}`));
      limitHeaders = rateLimitHeaders(limits);
      if (limits.some((l) => !l.success)) return problemResponse({ status: 429, title: "Too many requests", requestId }, { headers: limitHeaders });

      const viewer: Viewer = { id: token.userId, isStaff: false, hasSecondFactor: async () => (await enrolledSecondFactors(db, token.userId)).length > 0 };
      const resolved = await resolveOrgMembership(db, viewer, token.orgSlug);
      if (!resolved.ok) {
        if (resolved.reason === "suspended") {
          await recordRefusedUse(db, token, "org_suspended", requestId);
          return problemResponse({ status: 403, title: "This campaign is suspended", requestId }, { headers: limitHeaders });
        }
        await endToken(db, token, "membership_ended");
        await recordRefusedUse(db, token, "membership_ended", requestId);
        return unauthorized(requestId, undefined, limitHeaders);
      }
      // A role change narrows the token at once: scopes the role no longer opens are gone.
      const allowed = new Set(scopesForRole(resolved.access.role));
      const scopes = token.scopes.filter((s) => allowed.has(s));
      if (endpoint.auth.scope && !scopes.includes(endpoint.auth.scope)) {
        await recordRefusedUse(db, token, "scope", requestId);
        return problemResponse({ status: 403, title: "The token lacks the scope this endpoint needs", detail: `Needs ${endpoint.auth.scope}`, requestId }, { headers: limitHeaders });
      }
      const decision = await authorize(resolved, viewer, endpoint.auth.permission);
      if (!decision.ok) {
        await recordRefusedUse(db, token, "permission", requestId);
        const title = decision.reason === "second_factor_required" ? "This campaign requires two-step verification" : "Your role does not allow this";
        return problemResponse({ status: 403, title, requestId }, { headers: limitHeaders });
      }
      const { access } = decision;

      const raw = await readCappedBody(request);
      const input = await parseInput(endpoint, request, await context.params, raw);
      const idempotencyKey = endpoint.method === "POST" ? parseIdempotencyKey(request.headers.get("idempotency-key")) : null;
      const owner = { tokenId: token.id, orgId: token.orgId, userId: token.userId };
      const fingerprint = idempotencyKey ? requestFingerprint(endpoint.method, new URL(request.url).pathname, raw) : "";

      const run = (tx: Transaction) => (handler as (ctx: TokenContext<E>) => Promise<ApiAnswer>)({ request, requestId, ...input, access, tx, token, scopes });
      try {
        return await access.run(async (tx) => {
          await touchApiToken(tx, token.id);
          if (!idempotencyKey) return toResponse(await run(tx), limitHeaders, endpoint.successStatus ?? 200);
          const stored = await findStoredAnswer(tx, owner, idempotencyKey, fingerprint);
          if (stored) return toResponse({ status: stored.status, body: stored.body }, { ...limitHeaders, "Idempotent-Replayed": "true" }, 200);
          const answer = await run(tx);
          if (answer instanceof Response) return toResponse(answer, limitHeaders, 200);
          const status = answer.status ?? endpoint.successStatus ?? 200;
          await storeAnswer(tx, owner, idempotencyKey, fingerprint, { status, body: answer.body });
          return toResponse({ ...answer, status }, limitHeaders, status);
        });
      } catch (err) {
        // The same key committed by a concurrent twin while this one ran: this one changed nothing.
        if (idempotencyKey && databaseErrorOf(err)?.code === "23505")
          throw new HttpError(409, "A request with this Idempotency-Key was being processed; retry to get its answer");
        throw err;
      }
    } catch (err) {
      const response = errorResponse(err, request, requestId);
      for (const [k, v] of Object.entries(limitHeaders)) response.headers.set(k, v);
      return response;
    }
  });
  return Object.assign(route, { endpoint });
}
