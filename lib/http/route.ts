import "server-only";
import { z } from "zod";
import { getConfig } from "@/lib/config";
import { RuleError } from "@/lib/errors";
import { logger } from "@/lib/log";
import { observeRequest, routeGroup } from "@/lib/metrics";
import { isSameOriginRequest } from "./origin";
import { problemResponse } from "./problem";

type Handler<P> = (request: Request, ctx: { params: P; requestId: string }) => Promise<Response>;

/** Thrown inside handlers for a client error that is safe to show as-is. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(title);
    this.name = "HttpError";
  }
}

/** A thrown error as the answer: client errors as they are, anything unexpected as a bare 500 naming only the request id. */
export function errorResponse(err: unknown, request: Request, requestId: string): Response {
  if (err instanceof HttpError) return problemResponse({ status: err.status, title: err.title, detail: err.detail, requestId }, { headers: err.headers });
  if (err instanceof RuleError)
    return problemResponse({ status: err.status, title: err.status === 404 ? "Not found" : err.message, requestId, errors: fieldErrorLists(err.fieldErrors) });
  if (err instanceof z.ZodError)
    return problemResponse({
      status: 400,
      title: "Invalid request",
      requestId,
      errors: issuesByField(err),
    });
  // The log has the error kind, never its data.
  logger.error({ err, requestId, route: new URL(request.url).pathname }, "route handler failed");
  return problemResponse({ status: 500, title: "Something went wrong on our side", requestId });
}

/** Times a route's answer and logs it once; the request id comes from middleware or is made here. */
export function timedRoute<C>(respond: (request: Request, context: C, requestId: string) => Promise<Response>) {
  return async (request: Request, context: C): Promise<Response> => {
    const requestId = request.headers.get("x-request-id") ?? crypto.randomUUID();
    const started = performance.now();
    const response = await respond(request, context, requestId);
    logRequest(request, response.status, (performance.now() - started) / 1000, requestId);
    return response;
  };
}

/**
 * The wrapper for handlers anyone may call: same-origin check on state changes, zod errors as 400,
 * anything unexpected as a bare 500 that names only the request id (the log has the error kind, never its data).
 */
export function publicRoute<P = Record<string, never>>(handler: Handler<P>) {
  return timedRoute(async (request: Request, context: { params: Promise<P> }, requestId: string): Promise<Response> => {
    try {
      if (!["GET", "HEAD", "OPTIONS"].includes(request.method) && !isSameOriginRequest(request.headers, getConfig().appUrl))
        return problemResponse({ status: 403, title: "Cross-site request refused", requestId });
      return await handler(request, { params: await context.params, requestId });
    } catch (err) {
      return errorResponse(err, request, requestId);
    }
  });
}

/** One log line and one metric sample per route request, by route group (never the path: it holds slugs and ids). */
function logRequest(request: Request, status: number, seconds: number, requestId: string): void {
  const group = routeGroup(new URL(request.url).pathname);
  observeRequest({ group, method: request.method, status, seconds });
  // Probes and scrapes arrive every few seconds; they are logged only at debug.
  const level = group === "api/health" || group === "api/metrics" ? "debug" : "info";
  logger[level]({ requestId, method: request.method, group, status, durationMs: Math.round(seconds * 1000) }, "request");
}

/** Zod's issues by top-level field; an unknown field is named as its own field, so a client sees what to drop. */
function issuesByField(err: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (field: string, message: string) => void (out[field] ??= []).push(message);
  for (const issue of err.issues) {
    if (issue.code === "unrecognized_keys") for (const key of issue.keys) add(key, "Unknown field");
    else add(String(issue.path[0] ?? "_"), issue.message);
  }
  return out;
}

const fieldErrorLists = (errors?: Record<string, string>) => (errors ? Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, [v]])) : undefined);

/** Reads a JSON body of bounded size and parses it with the schema. */
export async function parseJsonBody<T>(request: Request, schema: z.ZodType<T>, maxBytes = 16 * 1024): Promise<T> {
  const text = await request.text();
  if (text.length > maxBytes) throw new HttpError(413, "Request body too large");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new HttpError(400, "Request body is not valid JSON");
  }
  return schema.parse(data);
}
