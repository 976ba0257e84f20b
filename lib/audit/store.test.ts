import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { auditArchives, auditChainHeads, auditEvents } from "@/db/schema/audit";
import { resultRows } from "@/lib/db/client";
import { withPerson, withTenant } from "@/lib/db/tenant";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { accountShardOf } from "./chain";
import { AuditEventError, prepareAuditEvent, recordAuditEvent } from "./record";
import { withAuditSystemScope } from "./scope";
import { asOwner, chainPlaces, dbError, newOrg, seedCast, type Cast } from "./test-helpers";
import { verifyAuditChains } from "./verify";

describe.each(testBackends())("audit event store (%s)", (backend) => {
  let t: TestDatabase;
  let c: Cast;

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    c = await seedCast(t, "store");
  });
  afterAll(async () => t?.drop());

  const roleChange = (orgId: string) =>
    ({ orgId, actor: { kind: "member", id: c.owner }, action: "member.role_changed", target: { type: "user", id: c.admin }, metadata: { from: "volunteer", to: "admin" } }) as const;

  it("records an event in the caller's transaction: it commits with the change", async () => {
    const recorded = await withTenant(t.db, { orgId: c.orgA }, (tx) => recordAuditEvent(tx, roleChange(c.orgA)));
    const [place] = await chainPlaces(t, [recorded.id]);
    expect(place!.seq).toBe(1);
    const rows = await withTenant(t.db, { orgId: c.orgA }, (tx) => tx.select().from(auditEvents));
    expect(rows).toEqual([expect.objectContaining({ id: recorded.id, seq: 1, action: "member.role_changed", actorId: c.owner, targetId: c.admin, hash: place!.hash })]);
  });

  it("rolls back with the change it records, leaving no gap in the chain", async () => {
    await expect(
      withTenant(t.db, { orgId: c.orgA }, async (tx) => {
        await recordAuditEvent(tx, roleChange(c.orgA));
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    const next = await recordAuditEvent(t.db, roleChange(c.orgA));
    expect((await chainPlaces(t, [next.id]))[0]!.seq).toBe(2);
    expect((await verifyAuditChains(t.db, { orgId: c.orgA })).ok).toBe(true);
  });

  it("refuses an organisation event outside that organisation's context", async () => {
    await expect(withTenant(t.db, { orgId: c.orgB }, (tx) => recordAuditEvent(tx, roleChange(c.orgA)))).rejects.toThrow();
    await expect(withPerson(t.db, c.owner, (tx) => recordAuditEvent(tx, roleChange(c.orgA)))).rejects.toThrow();
  });

  it("records account events from any context, even none", async () => {
    const e = await t.db.transaction((tx) =>
      recordAuditEvent(tx, { actor: { kind: "anonymous" }, action: "auth.sign_in.failed", target: { type: "user", id: c.volunteer }, metadata: { reason: "invalid_credentials" } }),
    );
    expect(e.orgId).toBeNull();
    await recordAuditEvent(t.db, { actor: { kind: "member", id: c.volunteer }, action: "auth.sign_in.succeeded", metadata: { method: "password" } });
    expect((await verifyAuditChains(t.db, { orgId: null })).chains[0]).toMatchObject({ ok: true, events: 2 });
  });

  it("shows account events only to the person they concern, and nothing outside a context", async () => {
    expect(await withPerson(t.db, c.volunteer, (tx) => tx.select({ a: auditEvents.action }).from(auditEvents))).toHaveLength(2);
    expect(await withPerson(t.db, c.admin, (tx) => tx.select().from(auditEvents))).toHaveLength(0);
    expect(await t.db.select().from(auditEvents)).toHaveLength(0);
    expect(await t.db.select().from(auditArchives)).toHaveLength(0);
  });

  it("shows another organisation none of this one's events", async () => {
    expect(await withTenant(t.db, { orgId: c.orgB, userId: c.rival }, (tx) => tx.select().from(auditEvents))).toHaveLength(0);
    expect(await withTenant(t.db, { orgId: c.orgB }, (tx) => tx.select().from(auditChainHeads).where(sql`${auditChainHeads.orgId} is not null`))).toHaveLength(0);
  });

  describe("append-only", () => {
    const refusedForApp = [
      ["UPDATE", sql`UPDATE audit_events SET action = 'member.removed'`],
      ["DELETE", sql`DELETE FROM audit_events`],
      ["TRUNCATE", sql`TRUNCATE audit_events`],
      ["UPDATE of an archive", sql`UPDATE audit_archives SET blob_key = 'x'`],
      ["DELETE of an archive", sql`DELETE FROM audit_archives`],
    ] as const;

    it.each(refusedForApp)("refuses the app role's %s, in a tenant or in the system scope", async (_, statement) => {
      expect(await dbError(withTenant(t.db, { orgId: c.orgA }, (tx) => tx.execute(statement)))).toMatch(/permission denied/);
      expect(await dbError(withAuditSystemScope(t.db, (tx) => tx.execute(statement)))).toMatch(/permission denied/);
    });

    it("refuses the purge function for rows no recorded archive covers", async () => {
      await expect(
        withTenant(t.db, { orgId: c.orgA }, (tx) => tx.execute(sql`SELECT audit_purge_archived('00000000-0000-4000-8000-000000000000'::uuid)`)),
      ).rejects.toThrow();
    });

    it("refuses even the owner's UPDATE, DELETE and TRUNCATE (trigger)", async () => {
      expect(await dbError(asOwner(t, "UPDATE audit_events SET action = 'member.removed'"))).toMatch(/append-only/);
      expect(await dbError(asOwner(t, "DELETE FROM audit_events"))).toMatch(/append-only/);
      expect(await dbError(asOwner(t, "TRUNCATE audit_events"))).toMatch(/append-only/);
      expect(await dbError(asOwner(t, "DELETE FROM audit_archives"))).toMatch(/append-only/);
      const [{ n }] = (await asOwner<{ n: string | number }>(t, "SELECT count(*) AS n FROM audit_events")) as [{ n: string | number }];
      expect(Number(n)).toBeGreaterThanOrEqual(4);
    });

    it("holds no personal data in clear: ids and a keyed address hash only", async () => {
      const dump = JSON.stringify(await asOwner(t, "SELECT * FROM audit_events"));
      for (const leak of ["@example.test", "Olive", "Alex", "Val"]) expect(dump).not.toContain(leak);
    });
  });

  describe("tamper evidence", () => {
    async function chainOf(n: number, slug: string) {
      const orgId = await newOrg(t, slug);
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push((await recordAuditEvent(t.db, { orgId, actor: { kind: "member", id: c.owner }, action: "contact.created" })).id);
      expect((await verifyAuditChains(t.db, { orgId })).ok).toBe(true);
      return { orgId, ids };
    }

    it("finds an event the owner edited, at that event", async () => {
      const { orgId, ids } = await chainOf(5, "tamper-edit");
      await asOwner(t, `UPDATE audit_events SET action = 'contact.deleted' WHERE id = '${ids[2]}'`, { bypassTriggers: true });
      const report = await verifyAuditChains(t.db, { orgId });
      expect(report.ok).toBe(false);
      expect(report.chains[0]!.firstBroken).toMatchObject({ seq: 3, eventId: ids[2], problem: "hash_mismatch" });
    });

    it("finds an edit whose hash was recomputed, at the next link", async () => {
      const { orgId, ids } = await chainOf(4, "tamper-rehash");
      await asOwner(t, `UPDATE audit_events SET hash = repeat('a', 64) WHERE id = '${ids[1]}'`, { bypassTriggers: true });
      const broken = (await verifyAuditChains(t.db, { orgId })).chains[0]!.firstBroken;
      expect(broken).toMatchObject({ seq: 2, problem: "hash_mismatch" });
    });

    it("finds a removed event and removed newest events", async () => {
      const { orgId, ids } = await chainOf(5, "tamper-delete");
      await asOwner(t, `DELETE FROM audit_events WHERE id = '${ids[1]}'`, { bypassTriggers: true });
      expect((await verifyAuditChains(t.db, { orgId })).chains[0]!.firstBroken).toMatchObject({ seq: 3, problem: "sequence_gap" });

      const tail = await chainOf(3, "tamper-tail");
      await asOwner(t, `DELETE FROM audit_events WHERE id = '${tail.ids[2]}'`, { bypassTriggers: true });
      expect((await verifyAuditChains(t.db, { orgId: tail.orgId })).chains[0]!.firstBroken).toMatchObject({ problem: "head_mismatch" });
    });

    it("finds an event inserted into the middle of the chain", async () => {
      const { orgId, ids } = await chainOf(3, "tamper-insert");
      await asOwner(t, `UPDATE audit_events SET seq = seq + 100 WHERE org_id = '${orgId}' AND seq >= 2`, { bypassTriggers: true });
      await asOwner(t, `UPDATE audit_events SET seq = seq - 99 WHERE org_id = '${orgId}' AND seq >= 100`, { bypassTriggers: true });
      await asOwner(
        t,
        `INSERT INTO audit_events SELECT gen_random_uuid(), org_id, 2, actor_kind, actor_id, 'contact.deleted', target_type, target_id, metadata,
           client_address_hash, request_id, created_at, hash, repeat('b', 64) FROM audit_events WHERE id = '${ids[0]}'`,
        { bypassTriggers: true },
      );
      expect((await verifyAuditChains(t.db, { orgId })).chains[0]!.firstBroken).toMatchObject({ seq: 2, problem: "hash_mismatch" });
    });
  });

  it("keeps each chain gapless and verifiable under 8 concurrent writers", async () => {
    const orgId = await newOrg(t, "concurrent");
    const perWriter = backend === "pglite" ? 15 : 25;
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; i < perWriter; i++) {
          await withTenant(t.db, { orgId }, async (tx) => {
            await recordAuditEvent(tx, { orgId, actor: { kind: "member", id: c.owner }, action: "contact.updated", metadata: { fields: [`f${w}`] } });
          });
          await recordAuditEvent(t.db, { actor: { kind: "member", id: c.admin }, action: "auth.sign_out" });
        }
      })(),
    );
    // The verifier reads one snapshot per chain: it never mistakes events committed while it walks for a broken head.
    let writing = true;
    const verifying = (async () => {
      const reports = [];
      while (writing) reports.push(await verifyAuditChains(t.db, { orgId }));
      return reports;
    })();
    await Promise.all(writers);
    writing = false;
    const during = await verifying;
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((r) => r.ok)).toBe(true);
    const seqs = await withTenant(t.db, { orgId }, async (tx) =>
      resultRows<{ seq: string | number }>(await tx.execute(sql`SELECT seq FROM audit_events WHERE org_id = ${orgId} ORDER BY seq`)).map((r) => Number(r.seq)),
    );
    expect(seqs).toEqual(Array.from({ length: 8 * perWriter }, (_, i) => i + 1));
    const report = await verifyAuditChains(t.db);
    expect(report.chains.find((ch) => ch.orgId === orgId)).toMatchObject({ ok: true, events: 8 * perWriter });
    expect(report.chains.find((ch) => ch.orgId === null)).toMatchObject({ ok: true });
  });

  describe("account chains", () => {
    /** Two people whose account events join different chains. */
    function twoPeople(): [string, string] {
      for (;;) {
        const [p, q] = [randomUUID(), randomUUID()];
        if (accountShardOf(p) !== accountShardOf(q)) return [p, q];
      }
    }
    const signOut = (id: string) => ({ actor: { kind: "member", id }, action: "auth.sign_out" }) as const;

    it("puts an account event in the chain of the person it is about, and never in the closed chain 0", () => {
      const [p, q] = twoPeople();
      expect(prepareAuditEvent(signOut(p)).accountShard).toBe(accountShardOf(p));
      // Done by q to p's account: p's chain, so p's own history stays in one chain.
      const toP = prepareAuditEvent({ actor: { kind: "staff", id: q }, action: "user.disabled", target: { type: "user", id: p }, metadata: { reason: "security_incident" } });
      expect(toP.accountShard).toBe(accountShardOf(p));
      const anonymous = Array.from({ length: 64 }, () => prepareAuditEvent({ actor: { kind: "anonymous" }, action: "cron.refused", metadata: { job: "unknown", reason: "wrong_secret" } }).accountShard);
      expect(Math.min(...anonymous)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...anonymous)).toBeLessThanOrEqual(16);
      expect(new Set(anonymous).size).toBeGreaterThan(4);
      expect(() => prepareAuditEvent({ ...roleChange(c.orgA), accountShard: 2 })).toThrow(AuditEventError);
      expect(() => prepareAuditEvent({ ...signOut(p), accountShard: 17 })).toThrow(AuditEventError);
      expect(prepareAuditEvent(roleChange(c.orgA)).accountShard).toBe(0);
    });

    it("lets two people's account events append at once, and both chains verify", async () => {
      const [p, q] = twoPeople();
      const each = backend === "pglite" ? 10 : 20;
      await Promise.all([p, q].flatMap((id) => Array.from({ length: each }, () => recordAuditEvent(t.db, signOut(id)))));
      const report = await verifyAuditChains(t.db, { orgId: null });
      expect(report.ok).toBe(true);
      for (const id of [p, q]) expect(report.chains.find((ch) => ch.accountShard === accountShardOf(id))!.events).toBeGreaterThanOrEqual(each);
      expect(report.chains.every((ch) => ch.orgId === null)).toBe(true);
    });

    if (backend !== "pglite") {
      // PGlite has one connection, so only a server shows two transactions overlapping.
      it("does not make one person's append wait for another's uncommitted one", async () => {
        const [p, q] = twoPeople();
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        let appended!: () => void;
        const pAppended = new Promise<void>((r) => (appended = r));
        const first = t.db.transaction(async (tx) => {
          // Chain now rather than at commit, so p's chain head stays locked while this transaction stays open.
          await tx.execute(sql`SET CONSTRAINTS audit_pending_chain IMMEDIATE`);
          await recordAuditEvent(tx, signOut(p));
          appended();
          await held;
        });
        await pAppended;
        const other = await recordAuditEvent(t.db, signOut(q));
        release();
        await first;
        expect(await chainPlaces(t, [other.id])).toEqual([expect.objectContaining({ id: other.id })]);
        expect((await verifyAuditChains(t.db, { orgId: null })).ok).toBe(true);
      });
    }

    it("finds an event edited in an account chain, and names that chain only", async () => {
      const [p] = twoPeople();
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await recordAuditEvent(t.db, signOut(p))).id);
      await asOwner(t, `UPDATE audit_events SET action = 'auth.sign_in.succeeded' WHERE id = '${ids[1]}'`, { bypassTriggers: true });
      const report = await verifyAuditChains(t.db, { orgId: null });
      expect(report.ok).toBe(false);
      const broken = report.chains.filter((ch) => !ch.ok);
      expect(broken).toHaveLength(1);
      expect(broken[0]).toMatchObject({ orgId: null, accountShard: accountShardOf(p), firstBroken: { eventId: ids[1], problem: "hash_mismatch" } });
      // Put back, so the other tests see every chain whole.
      await asOwner(t, `UPDATE audit_events SET action = 'auth.sign_out' WHERE id = '${ids[1]}'`, { bypassTriggers: true });
      expect((await verifyAuditChains(t.db, { orgId: null })).ok).toBe(true);
    });

    it("moves chain heads only through audit_append: the app role cannot set one", async () => {
      expect(await dbError(withAuditSystemScope(t.db, (tx) => tx.execute(sql`UPDATE audit_chain_heads SET seq = 0`)))).toMatch(/permission denied/);
      expect(
        await dbError(withAuditSystemScope(t.db, (tx) => tx.insert(auditChainHeads).values({ chainId: randomUUID(), orgId: null, seq: 0, hash: "0".repeat(64), lastAt: new Date() }))),
      ).toMatch(/permission denied/);
    });
  });
});
