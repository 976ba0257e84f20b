import * as actionRestore from "@/app/api/v1/actions/[id]/restore/route";
import * as actionOne from "@/app/api/v1/actions/[id]/route";
import * as actionsAll from "@/app/api/v1/actions/route";
import * as activity from "@/app/api/v1/activity/route";
import * as contactOne from "@/app/api/v1/contacts/[id]/route";
import * as contactsAll from "@/app/api/v1/contacts/route";
import * as declineRequest from "@/app/api/v1/deletion-requests/[id]/decline/route";
import * as fulfilRequest from "@/app/api/v1/deletion-requests/[id]/fulfil/route";
import * as deletionRequests from "@/app/api/v1/deletion-requests/route";
import * as importOne from "@/app/api/v1/imports/[id]/route";
import * as importsAll from "@/app/api/v1/imports/route";
import * as listMemberOne from "@/app/api/v1/lists/[id]/contacts/[contactId]/route";
import * as listMembers from "@/app/api/v1/lists/[id]/contacts/route";
import * as lists from "@/app/api/v1/lists/route";
import * as contactTags from "@/app/api/v1/contacts/[id]/tags/route";
import * as openapi from "@/app/api/v1/openapi.json/route";
import * as reports from "@/app/api/v1/reports/route";
import * as tags from "@/app/api/v1/tags/route";
import * as tokenRenew from "@/app/api/v1/tokens/[id]/renew/route";
import * as tokenOne from "@/app/api/v1/tokens/[id]/route";
import * as tokensAll from "@/app/api/v1/tokens/route";

type RouteModule = Record<string, unknown>;

/** Test-only: every /api/v1 route module by its OpenAPI path, to call the real handlers with real Requests. */
export const apiRouteModules: Record<string, RouteModule> = {
  "/tokens": tokensAll,
  "/tokens/{id}": tokenOne,
  "/tokens/{id}/renew": tokenRenew,
  "/contacts": contactsAll,
  "/contacts/{id}": contactOne,
  "/contacts/{id}/tags": contactTags,
  "/lists": lists,
  "/lists/{id}/contacts": listMembers,
  "/lists/{id}/contacts/{contactId}": listMemberOne,
  "/tags": tags,
  "/actions": actionsAll,
  "/actions/{id}": actionOne,
  "/actions/{id}/restore": actionRestore,
  "/reports": reports,
  "/activity": activity,
  "/imports": importsAll,
  "/imports/{id}": importOne,
  "/deletion-requests": deletionRequests,
  "/deletion-requests/{id}/fulfil": fulfilRequest,
  "/deletion-requests/{id}/decline": declineRequest,
  "/openapi.json": openapi,
};

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** Calls the handler for `method` and a concrete path such as /contacts/<id>, as Next would. */
export async function callApi(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const url = new URL(path, "http://localhost");
  const segments = url.pathname.split("/").filter(Boolean);
  for (const [pattern, mod] of Object.entries(apiRouteModules)) {
    const parts = pattern.split("/").filter(Boolean);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    if (!parts.every((p, i) => (p.startsWith("{") ? ((params[p.slice(1, -1)] = segments[i]!), true) : p === segments[i]))) continue;
    const handler = mod[method] as Handler | undefined;
    if (!handler) return new Response(null, { status: 405 });
    const headers = new Headers(options.headers);
    if (options.token) headers.set("authorization", `Bearer ${options.token}`);
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
    const request = new Request(`http://localhost/api/v1${url.pathname}${url.search}`, { method, headers, body });
    return handler(request, { params: Promise.resolve(params) });
  }
  return new Response(null, { status: 404 });
}
