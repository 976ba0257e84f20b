import type { z } from "zod";
import type { Needed } from "@/lib/tenancy/access";
import type { ApiScope } from "@/lib/tenancy/permissions";

export type ApiMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * One endpoint of /api/v1: how it is reached, what it asks of the token, and the zod schemas it parses with.
 * The route handler and the OpenAPI document both read this, so the document cannot drift from the code.
 */
export type ApiEndpoint = {
  method: ApiMethod;
  /** OpenAPI path under /api/v1, e.g. "/contacts/{id}". */
  path: string;
  summary: string;
  tag: string;
  /** A bearer token with this scope (null: any scope, the token-management endpoints) and permission; or the person's password (token issue and renewal); or nobody. */
  auth: { scope: ApiScope | null; permission: Needed } | "credentials" | "public";
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Shape of a successful answer, for the document only. */
  response?: z.ZodType;
  successStatus?: 200 | 201 | 204;
};

export const defineEndpoint = <E extends ApiEndpoint>(endpoint: E): E => endpoint;
