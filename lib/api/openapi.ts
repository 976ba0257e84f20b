import { z } from "zod";
import type { ApiEndpoint } from "./endpoint";
import { endpoints } from "./endpoints";
import { getConfig } from "@/lib/config";

type Schema = Record<string, unknown>;

/** JSON Schema of a zod schema as a client sends it (input side); shapes JSON cannot express are left open. */
const jsonSchema = (schema: z.ZodType): Schema => {
  const out = z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Schema;
  delete out.$schema;
  return out;
};

const problem = { content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } };
const errorResponses = (endpoint: ApiEndpoint): Record<string, unknown> => {
  const out: Record<string, unknown> = { "400": { description: "Invalid input, with the problems by field", ...problem }, "429": { description: "Too many requests (Retry-After, RateLimit)", ...problem } };
  if (endpoint.auth !== "public") out["401"] = { description: "No valid token or credentials", ...problem };
  if (typeof endpoint.auth === "object") out["403"] = { description: "Scope or role does not allow this", ...problem };
  if (endpoint.params || endpoint.auth === "credentials") out["404"] = { description: "Not found (also another campaign's id)", ...problem };
  if (endpoint.body) {
    out["413"] = { description: "Body over 1 MB", ...problem };
    out["415"] = { description: "Body not sent as application/json", ...problem };
    out["422"] = { description: "Refused by a rule of the product", ...problem };
  }
  if (endpoint.method === "POST" && typeof endpoint.auth === "object") out["409"] = { description: "Conflict (an Idempotency-Key in use)", ...problem };
  return out;
};

function operation(name: string, endpoint: ApiEndpoint): Schema {
  const parameters: Schema[] = [];
  for (const [where, schema] of [
    ["path", endpoint.params],
    ["query", endpoint.query],
  ] as const) {
    if (!schema) continue;
    const properties = (jsonSchema(schema).properties ?? {}) as Record<string, Schema>;
    for (const [key, s] of Object.entries(properties))
      parameters.push({ name: key, in: where, required: where === "path" || !schema.shape[key]?.safeParse(undefined).success, schema: s });
  }
  if (endpoint.method === "POST" && typeof endpoint.auth === "object")
    parameters.push({ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 255 }, description: "A retry with the same key and body replays the first answer" });
  const status = String(endpoint.successStatus ?? 200);
  return {
    operationId: name,
    summary: endpoint.summary,
    tags: [endpoint.tag],
    security: typeof endpoint.auth === "object" ? [{ bearer: [] }] : [],
    ...(typeof endpoint.auth === "object" ? { "x-scope": endpoint.auth.scope, "x-permission": endpoint.auth.permission } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(endpoint.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(endpoint.body) } } } } : {}),
    responses: {
      [status]: status === "204" ? { description: "Done" } : { description: "OK", content: { "application/json": { schema: endpoint.response ? jsonSchema(endpoint.response) : {} } } },
      ...errorResponses(endpoint),
    },
  };
}

/** The OpenAPI 3.1 document of /api/v1, built from the endpoints' own zod schemas. */
export function openApiDocument(appUrl: string): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const [name, endpoint] of Object.entries(endpoints) as [string, ApiEndpoint][]) {
    paths[endpoint.path] ??= {};
    paths[endpoint.path]![endpoint.method.toLowerCase()] = operation(name, endpoint);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Rampart API",
      version: "1",
      description: `Campaign data over HTTP. Tokens are for one campaign, live at most 24 hours and are renewed with the password again. Limits: ${getConfig().apiLimits.perToken} requests a minute per token, ${getConfig().apiLimits.perAddress} per address. Bodies at most 1 MB.`,
    },
    servers: [{ url: `${appUrl.replace(/\/$/, "")}/api/v1` }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "rpt_… secret from POST /tokens" } },
      schemas: {
        Problem: {
          type: "object",
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            requestId: { type: "string" },
            errors: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
          },
          required: ["title", "status"],
        },
      },
    },
  };
}
