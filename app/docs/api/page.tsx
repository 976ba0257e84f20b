import { Card, mutedTextClass, PageHeading } from "@/app/_components/ui";
import { openApiDocument } from "@/lib/api/openapi";
import { getConfig } from "@/lib/config";

export const metadata = { title: "API reference" };

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; enum?: unknown[]; format?: string; maxLength?: number; description?: string; anyOf?: Schema[] };
type Operation = {
  summary: string;
  tags: string[];
  security: unknown[];
  "x-scope"?: string | null;
  parameters?: { name: string; in: string; required: boolean; schema: Schema; description?: string }[];
  requestBody?: { content: { "application/json": { schema: Schema } } };
  responses: Record<string, { description: string }>;
};

/** A field's type in a few words: "string (email)", "one of call, text", "array of string". */
function typeOf(s: Schema | undefined): string {
  if (!s) return "any";
  if (s.enum) return `one of ${s.enum.map(String).join(", ")}`;
  if (s.anyOf) return s.anyOf.map(typeOf).join(" or ");
  if (s.type === "array") return `array of ${typeOf(s.items)}`;
  const type = Array.isArray(s.type) ? s.type.join(" or ") : (s.type ?? "any");
  return s.format ? `${type} (${s.format})` : type;
}

function Fields({ schema }: { schema: Schema }) {
  const entries = Object.entries(schema.properties ?? {});
  if (!entries.length) return <p className={mutedTextClass}>No fields.</p>;
  return (
    <table className="mt-2 w-full text-left text-sm">
      <thead>
        <tr>
          <th scope="col" className="pr-4">Field</th>
          <th scope="col" className="pr-4">Type</th>
          <th scope="col">Required</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, s]) => (
          <tr key={name}>
            <td className="pr-4 font-mono">{name}</td>
            <td className="pr-4">
              {typeOf(s)}
              {s.description ? <span className={`block ${mutedTextClass}`}>{s.description}</span> : null}
            </td>
            <td>{schema.required?.includes(name) ? "yes" : "no"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The OpenAPI document of /api/v1 as a readable page: the same document /api/v1/openapi.json serves. */
export default function ApiReferencePage() {
  const doc = openApiDocument(getConfig().appUrl) as { info: { description: string }; servers: { url: string }[]; paths: Record<string, Record<string, Operation>> };
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
  return (
    <div className="flex flex-col gap-6">
      <PageHeading
        title="Rampart API reference"
        lead={
          <>
            {doc.info.description} Base URL: <code>{doc.servers[0]?.url}</code>. Machine-readable: <a className="underline" href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).
          </>
        }
      />
      {operations.map(({ path, method, op }) => (
        <Card key={`${method} ${path}`}>
          <h2 className="font-mono text-lg font-semibold" id={`${method}-${path}`}>
            {method} {path}
          </h2>
          <p className="mt-1">{op.summary}</p>
          <p className={`mt-1 ${mutedTextClass}`}>
            {op.security.length ? `Bearer token${op["x-scope"] ? ` with scope ${op["x-scope"]}` : " (any scope)"}` : method === "GET" ? "No authentication" : "Password (and second factor when enrolled) in the body"}
          </p>
          {op.parameters?.length ? (
            <>
              <h3 className="mt-3 font-semibold">Parameters</h3>
              <ul className="mt-1 text-sm">
                {op.parameters.map((p) => (
                  <li key={`${p.in}-${p.name}`}>
                    <span className="font-mono">{p.name}</span> ({p.in}, {typeOf(p.schema)}
                    {p.required ? ", required" : ""}){p.description ? ` — ${p.description}` : ""}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {op.requestBody ? (
            <>
              <h3 className="mt-3 font-semibold">JSON body (unknown fields are refused)</h3>
              <Fields schema={op.requestBody.content["application/json"].schema} />
            </>
          ) : null}
          <h3 className="mt-3 font-semibold">Responses</h3>
          <ul className="mt-1 text-sm">
            {Object.entries(op.responses).map(([status, r]) => (
              <li key={status}>
                <span className="font-mono">{status}</span> {r.description}
              </li>
            ))}
          </ul>
        </Card>
      ))}
    </div>
  );
}
