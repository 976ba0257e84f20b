import type { ApiEndpoint } from "./endpoint";
import { endpoints } from "./endpoints";
import { rolePermissions, scopesForRole, type ApiScope, type Permission } from "@/lib/tenancy/permissions";

/** The route × role × scope matrix of /api/v1, derived from the one permission table; docs/api-matrix.md prints it. */
export const apiMatrixRoles = ["owner", "admin", "volunteer"] as const;
export type ApiMatrixRole = (typeof apiMatrixRoles)[number];

export type ApiMatrixRow = { name: string; endpoint: ApiEndpoint; scope: ApiScope | null; allowed: Record<ApiMatrixRole, boolean> };

const anyOf = (needed: Permission | readonly Permission[]) => (typeof needed === "string" ? [needed] : needed);

/** Whether a token of this role with the endpoint's scope passes the walls (scope held and permission in the role). */
export function tokenMayCall(role: ApiMatrixRole, auth: Exclude<ApiEndpoint["auth"], string>): boolean {
  const scopeOk = auth.scope === null || scopesForRole(role).includes(auth.scope);
  return scopeOk && anyOf(auth.permission).some((p) => rolePermissions[role].includes(p));
}

export const apiMatrix: ApiMatrixRow[] = (Object.entries(endpoints) as [string, ApiEndpoint][]).flatMap(([name, endpoint]) => {
  const { auth } = endpoint;
  if (typeof auth === "string") return [];
  return [{ name, endpoint, scope: auth.scope, allowed: Object.fromEntries(apiMatrixRoles.map((r) => [r, tokenMayCall(r, auth)])) as Record<ApiMatrixRole, boolean> }];
});

/** Each row is checked over HTTP for each role twice: with the scope (allowed or 403) and without it (403). */
export const apiMatrixCellCount = apiMatrix.length * apiMatrixRoles.length * 2;

export function apiMatrixMarkdown(): string {
  const head = `| endpoint | scope | ${apiMatrixRoles.join(" | ")} |\n|---|---|${apiMatrixRoles.map(() => "---").join("|")}|`;
  const rows = apiMatrix.map(
    (r) => `| \`${r.endpoint.method} ${r.endpoint.path}\` | ${r.scope ?? "any"} | ${apiMatrixRoles.map((role) => (r.allowed[role] ? "yes" : "403")).join(" | ")} |`,
  );
  return [head, ...rows].join("\n");
}
