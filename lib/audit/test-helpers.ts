import { randomUUID } from "node:crypto";
import pg from "pg";
import { sql } from "drizzle-orm";
import { resultRows } from "@/lib/db/client";
import type { TestDatabase } from "@/lib/testing/databases";

/**
 * Runs SQL as the database owner, as an attacker with the owner's password would: PGlite's superuser for one
 * transaction, or the server's superuser over its own connection. `bypassTriggers` switches triggers off first.
 */
export async function asOwner<T = Record<string, unknown>>(t: TestDatabase, query: string, opts: { bypassTriggers?: boolean } = {}): Promise<T[]> {
  const prefix = opts.bypassTriggers ? "SET LOCAL session_replication_role = replica; " : "";
  if (t.backend === "pglite") {
    return t.db.transaction(async (tx) => {
      await tx.execute(sql.raw("SET LOCAL ROLE NONE"));
      if (opts.bypassTriggers) await tx.execute(sql.raw("SET LOCAL session_replication_role = replica"));
      return resultRows<T>(await tx.execute(sql.raw(query)));
    });
  }
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  try {
    await client.query("BEGIN");
    const res = await client.query(`${prefix}${query}`);
    await client.query("COMMIT");
    const last = Array.isArray(res) ? res.at(-1) : res;
    return (last?.rows ?? []) as T[];
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

export type Cast = { orgA: string; orgB: string; owner: string; admin: string; volunteer: string; volunteer2: string; rival: string };

/** Two campaigns: A with an owner, an admin and two volunteers; B with its own owner. Written as the owner, past RLS. */
export async function seedCast(t: TestDatabase, tag: string): Promise<Cast> {
  const orgA = await newOrg(t, `a-${tag}`);
  const orgB = await newOrg(t, `b-${tag}`);
  const person = async (name: string) => {
    const id = randomUUID();
    await asOwner(t, `INSERT INTO users (id, email, name) VALUES ('${id}', '${name.toLowerCase()}-${tag}@example.test', '${name}')`);
    return id;
  };
  const cast: Cast = {
    orgA,
    orgB,
    owner: await person("Olive"),
    admin: await person("Alex"),
    volunteer: await person("Val"),
    volunteer2: await person("Vic"),
    rival: await person("Rory"),
  };
  await asOwner(
    t,
    `INSERT INTO memberships (org_id, user_id, role) VALUES
      ('${orgA}', '${cast.owner}', 'owner'), ('${orgA}', '${cast.admin}', 'admin'),
      ('${orgA}', '${cast.volunteer}', 'volunteer'), ('${orgA}', '${cast.volunteer2}', 'volunteer'),
      ('${orgB}', '${cast.rival}', 'owner')`,
  );
  return cast;
}

export async function newOrg(t: TestDatabase, slug: string, settings: Record<string, unknown> = {}): Promise<string> {
  const id = randomUUID();
  await asOwner(t, `INSERT INTO organizations (id, slug, name, settings) VALUES ('${id}', '${slug}', '${slug}', '${JSON.stringify(settings)}'::jsonb)`);
  return id;
}

/** The database's own message for a failed query (drizzle wraps it as the cause). */
export async function dbError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error & { cause?: Error };
    return `${e.message}\n${e.cause?.message ?? ""}`;
  }
  throw new Error("expected the database to refuse");
}

export type ChainPlace = { id: string; seq: number; hash: string; createdAt: Date };

/** Where recorded events stand in their chains (they take their place as their transaction commits), in the order of `ids`. */
export async function chainPlaces(t: TestDatabase, ids: string[]): Promise<ChainPlace[]> {
  if (ids.length === 0) return [];
  const rows = await asOwner<{ id: string; seq: string | number; hash: string; created_at: string | Date }>(
    t,
    `SELECT id, seq, hash, created_at FROM audit_events WHERE id IN (${ids.map((id) => `'${id.replace(/[^0-9a-f-]/gi, "")}'`).join(",")})`,
  );
  const byId = new Map(rows.map((r) => [r.id, { id: r.id, seq: Number(r.seq), hash: r.hash, createdAt: new Date(r.created_at) }]));
  return ids.map((id) => byId.get(id)!);
}
