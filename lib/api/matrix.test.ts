import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthLimiters } from "@/lib/auth/limits";
import { withTenant } from "@/lib/db/tenant";
import { loadSecrets } from "@/lib/keys";
import { createRateLimiter } from "@/lib/ratelimit";
import type { Services } from "@/lib/services";
import { scopesForRole, type ApiScope } from "@/lib/tenancy/permissions";
import { callApi } from "@/lib/testing/api";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import type { ApiEndpoint } from "./endpoint";
import { endpoints } from "./endpoints";
import { setApiLimitersForTest } from "./limits";
import { apiMatrix, apiMatrixCellCount, apiMatrixRoles, type ApiMatrixRole } from "./matrix";
import { issueApiToken } from "./tokens";

const holder = globalThis as typeof globalThis & { __rampartServices?: Promise<Services> };
const concretePath = (endpoint: ApiEndpoint, id = crypto.randomUUID()) => endpoint.path.replace(/\{[^}]+\}/g, id);

describe("/api/v1 over HTTP: the matrix and a fuzz pass", () => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  const people = () => ({ owner: f.owner, admin: f.admin, volunteer: f.volunteer }) as Record<ApiMatrixRole, string>;

  async function token(role: ApiMatrixRole, scopes: ApiScope[]): Promise<string> {
    const userId = people()[role];
    return (await withTenant(t.db, { orgId: f.orgA, userId }, (tx) => issueApiToken(tx, { orgId: f.orgA, userId, role }, { name: "matrix", scopes }))).secret;
  }

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    f = await seedWorkspaceFixture(t.db, "apimatrix");
    holder.__rampartServices = Promise.resolve({ db: t.db, limiters: createAuthLimiters(t.db), policy: { maxAgeSeconds: 86_400, idleTimeoutSeconds: 3_600 }, secret: loadSecrets().authSecret } as Services);
    setApiLimitersForTest({
      perToken: createRateLimiter({ kind: "postgres" }, t.db, { name: "api-token-matrix", limit: 100_000, windowMs: 60_000 }),
      perAddress: createRateLimiter({ kind: "postgres" }, t.db, { name: "api-address-matrix", limit: 100_000, windowMs: 60_000 }),
    });
  }, 60_000);
  afterAll(async () => {
    holder.__rampartServices = undefined;
    setApiLimitersForTest(undefined);
    await t?.drop();
  });

  it(`answers every cell as docs/api-matrix.md says (${apiMatrixCellCount} requests)`, async () => {
    const seen: string[] = [];
    for (const row of apiMatrix)
      for (const role of apiMatrixRoles) {
        const roleScopes = scopesForRole(role);
        const probe = async (scopes: ApiScope[]) => {
          const secret = await token(role, scopes.length ? scopes : roleScopes);
          return callApi(row.endpoint.method, concretePath(row.endpoint), { token: secret, body: row.endpoint.body ? {} : undefined });
        };
        const cell = `${row.endpoint.method} ${row.endpoint.path} × ${role}`;
        // With the scope: the role may hold it, or the token cannot carry it at all.
        if (row.scope === null || roleScopes.includes(row.scope)) {
          const res = await probe(row.scope ? [row.scope] : [roleScopes[0]!]);
          if (row.allowed[role]) expect([401, 403], `${cell} with scope: ${res.status}`).not.toContain(res.status);
          else expect(res.status, `${cell} with scope`).toBe(403);
          expect(res.status, cell).toBeLessThan(500);
        } else {
          expect(row.allowed[role], `${cell} (scope outside the role)`).toBe(false);
          await expect(token(role, [row.scope])).rejects.toThrow(/does not allow/);
        }
        // Without the scope (every other scope the role may hold): refused, unless the row needs none.
        const others = roleScopes.filter((s) => s !== row.scope);
        const res = await probe(others);
        if (row.scope === null) expect([401, 403], `${cell} without scope`).not.toContain(res.status);
        else expect(res.status, `${cell} without scope`).toBe(403);
        seen.push(cell);
      }
    expect(seen.length * 2).toBe(apiMatrixCellCount);
  }, 120_000);

  /** Values of the wrong kind, size or shape for any field. */
  const badValues: unknown[] = [null, 0, -1, 1e308, true, "", "x".repeat(20_000), [], {}, [[[[["deep"]]]]], { $ne: 1 }, "' OR 1=1 --", "\u0000", "2026-13-45T99:99", "🏳️‍🌈".repeat(500)];
  const badQueryValues = ["", "-1", "0", "1e309", "NaN", "abc", "%", "x".repeat(5_000), "null", "[]", "' OR 1=1"];
  const badIds = ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "..%2F..%2Fetc", "x".repeat(300)];

  function badBodies(schema: z.ZodType): unknown[] {
    const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, unknown> };
    const props = Object.keys(json.properties ?? {});
    const bodies: unknown[] = [[], "text", 42, null, true, { unknownField: 1 }, JSON.parse("[".repeat(500) + "]".repeat(500))];
    for (const p of props) for (const v of badValues) bodies.push({ [p]: v });
    // All fields wrong at once.
    for (const v of badValues) bodies.push(Object.fromEntries(props.map((p) => [p, v])));
    return bodies;
  }

  it("finds no 5xx with schema-derived bad bodies, queries and ids on every route", async () => {
    const secret = await token("owner", scopesForRole("owner"));
    let requests = 0;
    const failures: string[] = [];
    const check = async (label: string, res: Promise<Response>) => {
      const r = await res;
      requests++;
      const text = await r.text();
      if (r.status >= 500) failures.push(`${label}: ${r.status}`);
      if (r.status >= 400 && /stack|at \w+ \(|SELECT |INSERT /.test(text)) failures.push(`${label}: leaked ${text.slice(0, 80)}`);
    };
    for (const [name, endpoint] of Object.entries(endpoints) as [string, ApiEndpoint][]) {
      const auth = typeof endpoint.auth === "object" ? secret : undefined;
      if (endpoint.body)
        for (const body of badBodies(endpoint.body)) await check(`${name} ${JSON.stringify(body).slice(0, 60)}`, callApi(endpoint.method, concretePath(endpoint), { token: auth, rawBody: JSON.stringify(body), headers: { "content-type": "application/json" } }));
      if (endpoint.query)
        for (const key of Object.keys(endpoint.query.shape))
          for (const v of badQueryValues) await check(`${name} ?${key}=${v.slice(0, 20)}`, callApi(endpoint.method, `${concretePath(endpoint)}?${key}=${encodeURIComponent(v)}`, { token: auth }));
      if (endpoint.params) for (const id of badIds) await check(`${name} id=${id.slice(0, 20)}`, callApi(endpoint.method, concretePath(endpoint, id), { token: auth, body: endpoint.body ? {} : undefined }));
    }
    expect(failures.slice(0, 20)).toEqual([]);
    expect(requests).toBeGreaterThan(500);
  }, 300_000);
});
