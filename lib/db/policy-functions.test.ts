import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { resultRows } from "@/lib/db/client";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";

type Fn = { name: string; language: string; definer: boolean; config: string[] | null; source: string };

/** Functions a request calls before any tenant read: the guard's campaign lookup and the API's token lookup. */
const PER_REQUEST = ["org_lookup_by_slug", "api_token_lookup"];

/**
 * Migration 0032: a function that PostgreSQL cannot inline (SECURITY DEFINER, or a SET clause) is planned again on every
 * call when written in SQL, ≈0.3 ms each on PostgreSQL here; in PL/pgSQL its plans are kept for the session. The
 * policies call such functions on every statement (app_current_org_id() calls app_can_access_org, app_org_reader
 * calls app_org_role, …), so each one they reach, directly or through an inlined SQL function, must be PL/pgSQL.
 */
describe.each(testBackends())("functions the policies call (%s)", (backend) => {
  let t: TestDatabase;
  let functions: Map<string, Fn>;
  let policyText: string;

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    const fns = resultRows<Fn>(
      await t.db.execute(sql`select p.proname as name, l.lanname as language, p.prosecdef as definer, p.proconfig as config, p.prosrc as source
        from pg_proc p join pg_language l on l.oid = p.prolang join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'`),
    );
    functions = new Map(fns.map((f) => [f.name, f]));
    const policies = resultRows<{ text: string }>(await t.db.execute(sql`select coalesce(qual, '') || ' ' || coalesce(with_check, '') as text from pg_policies where schemaname = 'public'`));
    policyText = policies.map((p) => p.text).join("\n");
  });
  afterAll(async () => t?.drop());

  /** Our functions named in `text` (a call: the name then an opening parenthesis). */
  const called = (text: string) => [...functions.keys()].filter((name) => new RegExp(`\\b${name}\\(`).test(text));

  it("are PL/pgSQL wherever PostgreSQL cannot inline them", () => {
    const reached = new Set<string>([...called(policyText), ...PER_REQUEST]);
    // Through inlined SQL functions (and the others' bodies), to whatever they call in turn.
    for (const name of reached) for (const next of called(functions.get(name)?.source ?? "")) reached.add(next);
    expect(reached).toContain("app_can_access_org");
    expect(reached).toContain("app_org_role");
    const notInlined = [...reached].map((name) => functions.get(name)!).filter((f) => f.definer || (f.config?.length ?? 0) > 0);
    expect(notInlined.length).toBeGreaterThanOrEqual(5);
    expect(notInlined.filter((f) => f.language !== "plpgsql").map((f) => f.name)).toEqual([]);
  });

  it("keep their rights and search path", () => {
    for (const name of ["app_can_access_org", "app_org_role", "app_synced_contact_reported", ...PER_REQUEST]) {
      const f = functions.get(name)!;
      expect(f.definer).toBe(true);
      expect(f.config).toEqual(["search_path=public, pg_temp"]);
    }
  });
});
