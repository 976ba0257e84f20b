import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { auditArchives, auditEvents } from "@/db/schema/audit";
import { withTenant } from "@/lib/db/tenant";
import { createLocalBlobStore } from "@/lib/storage/local";
import type { BlobStore } from "@/lib/storage/blob-store";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { ArchiveUnreadableError, archivePlaintext, listArchives, parseArchive, readArchive, readBlob, type ArchiveSealer } from "./archive";
import { GENESIS_HASH, accountShardOf } from "./chain";
import { recordAuditEvent } from "./record";
import { AUDIT_RETENTION_DAYS, archiveExpiredEvents, auditRetentionDays } from "./retention";
import { withAuditSystemScope } from "./scope";
import { createOrgKeyArchiveSealer } from "./sealers";
import { createTestArchiveSealer } from "./test-sealer";
import { shredOrganizationKeys } from "@/lib/crypto/shred";
import { useTestMasterKeys } from "@/lib/crypto/test-support";
import { chainPlaces, dbError, newOrg } from "./test-helpers";
import { verifyAuditChains } from "./verify";

const DAY = 86_400_000;
const actorId = "3f0c4d1e-8a57-4c3b-9d6e-2b1a0f9e8d7c";

describe("retention setting", () => {
  it("defaults to two weeks and keeps an organisation's choice within 1–90 days", () => {
    expect(AUDIT_RETENTION_DAYS.default).toBe(14);
    expect(auditRetentionDays({})).toBe(14);
    expect(auditRetentionDays(null)).toBe(14);
    expect(auditRetentionDays({ auditRetentionDays: 30 })).toBe(30);
    expect(auditRetentionDays({ auditRetentionDays: 0 })).toBe(1);
    expect(auditRetentionDays({ auditRetentionDays: 500 })).toBe(90);
    expect(auditRetentionDays({ auditRetentionDays: "7" })).toBe(14);
  });
});

const cases = testBackends().flatMap((backend) => (["organisation keys", "test keys"] as const).map((sealerKind) => ({ backend, sealerKind })));

describe.each(cases)("retention into encrypted archives ($backend, $sealerKind)", ({ backend, sealerKind }) => {
  let t: TestDatabase;
  let dir: string;
  let blobs: BlobStore;
  let sealer: ArchiveSealer;
  const testSealer = createTestArchiveSealer();
  /** Crypto-shredding through the sealer's own keys. */
  const shred = (orgId: string) => (sealerKind === "test keys" ? testSealer.destroyKey(orgId) : shredOrganizationKeys(t.db, orgId));
  /** Every blob holding this organisation's archives, whichever sealer wrote them. */
  const blobsOf = async (orgId: string) => [...(await blobs.list(`audit/${orgId}/`)), ...(await blobs.list(`org/${orgId}/`))];

  beforeAll(async () => {
    useTestMasterKeys();
    t = await createTestDatabase(backend);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "rampart-audit-"));
    blobs = createLocalBlobStore(dir);
    sealer = sealerKind === "test keys" ? testSealer : createOrgKeyArchiveSealer(t.db);
  });
  afterAll(async () => {
    await t?.drop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const record = async (orgId: string | null, n: number) =>
    chainPlaces(
      t,
      (
        await Promise.all(
          Array.from({ length: n }, () =>
            recordAuditEvent(t.db, orgId ? { orgId, actor: { kind: "member", id: actorId }, action: "contact.updated" } : { actor: { kind: "member", id: actorId }, action: "auth.sign_out" }),
          ),
        )
      ).map((e) => e.id),
    );
  const hotSeqs = (orgId: string) =>
    withTenant(t.db, { orgId }, async (tx) => (await tx.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(auditEvents.seq)).map((r) => r.seq));

  it("moves exactly the events older than the organisation's window, and verify continues across the archive", async () => {
    const orgId = await newOrg(t, "retention-window", { auditRetentionDays: 3 });
    const old = await record(orgId, 12);
    await new Promise((r) => setTimeout(r, 10));
    const boundary = new Date();
    await new Promise((r) => setTimeout(r, 10));
    const fresh = await record(orgId, 5);

    const run = await archiveExpiredEvents(t.db, blobs, sealer, { orgId, now: new Date(boundary.getTime() + 3 * DAY) });
    expect(run).toMatchObject({ retentionDays: 3, events: 12 });
    expect(run.cutoff).toEqual(boundary);
    expect(run.archives).toHaveLength(1);
    expect(run.archives[0]).toMatchObject({ firstSeq: 1, lastSeq: 12, eventCount: 12, headHash: old.sort((a, b) => a.seq - b.seq).at(-1)!.hash });

    // The hot table keeps the fresh events and the record of the archiving, nothing older.
    expect(await hotSeqs(orgId)).toEqual([13, 14, 15, 16, 17, 18]);
    const archived = await withTenant(t.db, { orgId }, (tx) => tx.select().from(auditEvents).where(sql`${auditEvents.seq} = 18`));
    expect(archived[0]).toMatchObject({ action: "audit.archived", actorKind: "system", metadata: { firstSeq: 1, lastSeq: 12, events: 12 } });
    expect(fresh.every((e) => e.seq > 12)).toBe(true);

    const report = await verifyAuditChains(t.db, { orgId, archives: { blobs, sealer } });
    expect(report.chains[0]).toMatchObject({ ok: true, events: 18, archives: 1, archivesNotOpened: 0 });
    // Without a way to open archives, verify still checks the links recorded for them.
    expect((await verifyAuditChains(t.db, { orgId })).chains[0]).toMatchObject({ ok: true, events: 6, archivesNotOpened: 1 });

    // Nothing more is due: a second run changes nothing.
    expect((await archiveExpiredEvents(t.db, blobs, sealer, { orgId, now: new Date(boundary.getTime() + 3 * DAY) })).archives).toEqual([]);
  });

  it("stores only ciphertext, and an owner can read the archive back decrypted", async () => {
    const orgId = await newOrg(t, "retention-read");
    const events = await record(orgId, 4);
    const [archive] = (await archiveExpiredEvents(t.db, blobs, sealer, { orgId, now: new Date(Date.now() + 30 * DAY) })).archives;
    const files = await blobsOf(orgId);
    expect(files).toHaveLength(1);
    const stored = Buffer.from((await readBlob(blobs, files[0]!))!).toString("latin1");
    expect(stored).not.toContain("contact.updated");
    expect(stored).not.toContain(actorId);

    const back = await readArchive(t.db, blobs, sealer, { orgId, archiveId: archive!.id });
    expect(back.events.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    const lines = new TextDecoder().decode(back.jsonl).trim().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: "rampart.audit.archive.v1", firstSeq: 1, lastSeq: 4, prevHash: GENESIS_HASH });
    expect(lines).toHaveLength(5);
    // Another campaign cannot read it, even knowing its id.
    const other = await newOrg(t, "retention-other");
    await expect(readArchive(t.db, blobs, sealer, { orgId: other, archiveId: archive!.id })).rejects.toThrow(/No such audit archive/);
  });

  it("splits a long run into several contiguous archives", async () => {
    const orgId = await newOrg(t, "retention-split");
    await record(orgId, 23);
    const run = await archiveExpiredEvents(t.db, blobs, sealer, { orgId, now: new Date(Date.now() + 30 * DAY), maxEventsPerArchive: 10 });
    expect(run.archives.map((a) => [a.firstSeq, a.lastSeq])).toEqual([
      [1, 10],
      [11, 20],
      [21, 23],
    ]);
    // The run's own three audit.archived records stay hot (24–26) for the next run.
    expect(await hotSeqs(orgId)).toEqual([24, 25, 26]);
    const report = await verifyAuditChains(t.db, { orgId, archives: { blobs, sealer } });
    expect(report.chains[0]).toMatchObject({ ok: true, archives: 3 });
    expect(report.chains[0]!.events).toBe((await hotSeqs(orgId)).at(-1));
  });

  it("archives an account chain too, in the system scope", async () => {
    await record(null, 6);
    const accountShard = accountShardOf(actorId);
    const run = await archiveExpiredEvents(t.db, blobs, sealer, { orgId: null, accountShard, now: new Date(Date.now() + 30 * DAY) });
    expect(run.events).toBe(6);
    const report = await verifyAuditChains(t.db, { orgId: null, archives: { blobs, sealer } });
    expect(report.chains.find((ch) => ch.accountShard === accountShard)).toMatchObject({ ok: true, events: 7, archives: 1 });
    expect(report.ok).toBe(true);
  });

  it("still archives and verifies the single account chain from before sharding (shard 0)", async () => {
    for (let i = 0; i < 3; i++) await recordAuditEvent(t.db, { actor: { kind: "member", id: actorId }, action: "auth.sign_out", accountShard: 0 });
    const run = await archiveExpiredEvents(t.db, blobs, sealer, { orgId: null, accountShard: 0, now: new Date(Date.now() + 30 * DAY) });
    expect(run.events).toBe(3);
    const report = await verifyAuditChains(t.db, { orgId: null, archives: { blobs, sealer } });
    expect(report.chains.find((ch) => ch.accountShard === 0)).toMatchObject({ ok: true, events: 4, archives: 1 });
  });

  it("never loses or duplicates an event when two runs race", async () => {
    const orgId = await newOrg(t, "retention-race");
    await record(orgId, 8);
    const now = new Date(Date.now() + 30 * DAY);
    const results = await Promise.allSettled([0, 1].map(() => archiveExpiredEvents(t.db, blobs, sealer, { orgId, now })));
    const archived = results.flatMap((r) => (r.status === "fulfilled" ? r.value.archives : []));
    expect(archived.map((a) => [a.firstSeq, a.lastSeq])).toEqual([[1, 8]]);
    expect((await verifyAuditChains(t.db, { orgId, archives: { blobs, sealer } })).ok).toBe(true);
    expect(await blobsOf(orgId)).toHaveLength(1);
  });

  describe("verify reads archives back", () => {
    async function archivedOrg(slug: string) {
      const orgId = await newOrg(t, slug);
      await record(orgId, 5);
      const [archive] = (await archiveExpiredEvents(t.db, blobs, sealer, { orgId, now: new Date(Date.now() + 30 * DAY) })).archives;
      return { orgId, archive: archive! };
    }

    it("finds an event edited inside an archive", async () => {
      const { orgId, archive } = await archivedOrg("archive-tamper");
      const at = { orgId, archiveId: archive.id, ref: archive.blobKey };
      const { header, events } = parseArchive(archive.id, (await sealer.read(blobs, at))!);
      events[2] = { ...events[2]!, action: "contact.deleted" };
      const edited = archivePlaintext({ ...header, id: archive.id }, events);
      if (sealerKind === "test keys") {
        // Someone holding the key re-encrypts an edited archive in place: the chain inside it no longer verifies.
        await sealer.write(blobs, at, edited);
        expect((await verifyAuditChains(t.db, { orgId, archives: { blobs, sealer } })).chains[0]!.firstBroken).toMatchObject({
          seq: 3,
          archiveId: archive.id,
          problem: "hash_mismatch",
        });
      } else {
        // Without the key, any change to the stored file fails authentication.
        const [file] = await blobsOf(orgId);
        const bytes = Buffer.from((await readBlob(blobs, file!))!);
        bytes.writeUInt8(bytes.readUInt8(bytes.length - 40) ^ 1, bytes.length - 40);
        await blobs.put(file!, bytes);
        expect((await verifyAuditChains(t.db, { orgId, archives: { blobs, sealer } })).chains[0]!.firstBroken).toMatchObject({
          archiveId: archive.id,
          problem: "archive_unreadable",
        });
      }
    });

    it("reports a missing archive file", async () => {
      const { orgId } = await archivedOrg("archive-missing");
      for (const key of await blobsOf(orgId)) await blobs.delete(key);
      expect((await verifyAuditChains(t.db, { orgId, archives: { blobs, sealer } })).chains[0]!.firstBroken).toMatchObject({ problem: "archive_missing" });
    });

    it("cannot open an archive once the organisation's key is destroyed (crypto-shredding)", async () => {
      const { orgId, archive } = await archivedOrg("archive-shredded");
      await shred(orgId);
      await expect(readArchive(t.db, blobs, sealer, { orgId, archiveId: archive.id })).rejects.toBeInstanceOf(ArchiveUnreadableError);
      expect((await verifyAuditChains(t.db, { orgId, archives: { blobs, sealer } })).chains[0]!.firstBroken).toMatchObject({ problem: "archive_unreadable" });
    });

    it("refuses an archive file moved to another archive's place", async () => {
      const a = await archivedOrg("archive-swap-a");
      const b = await archivedOrg("archive-swap-b");
      const [from] = await blobsOf(a.orgId);
      const [to] = await blobsOf(b.orgId);
      await blobs.put(to!, (await readBlob(blobs, from!))!);
      expect((await verifyAuditChains(t.db, { orgId: b.orgId, archives: { blobs, sealer } })).chains[0]!.firstBroken).toMatchObject({
        problem: "archive_unreadable",
      });
    });
  });

  describe("the purge path", () => {
    it("removes events only as a recorded archive that matches them", async () => {
      const orgId = await newOrg(t, "purge-rules");
      const events = (await record(orgId, 4)).sort((a, b) => a.seq - b.seq);
      const fake = (over: Partial<typeof auditArchives.$inferInsert>) => ({
        id: randomUUID(),
        orgId,
        firstSeq: 1,
        lastSeq: 2,
        prevHash: GENESIS_HASH,
        headHash: events[1]!.hash,
        eventCount: 2,
        firstAt: new Date(),
        lastAt: new Date(),
        blobKey: "audit/none",
        byteSize: 0,
        ...over,
      });
      const attempt = (over: Partial<typeof auditArchives.$inferInsert>) =>
        dbError(
          withTenant(t.db, { orgId }, async (tx) => {
            const row = fake(over);
            await tx.insert(auditArchives).values(row);
            await tx.execute(sql`SELECT audit_purge_archived(${row.id}::uuid)`);
          }),
        );
      expect(await attempt({ headHash: "f".repeat(64) })).toMatch(/does not match/);
      expect(await attempt({ firstSeq: 2, lastSeq: 3, eventCount: 2, prevHash: events[0]!.hash, headHash: events[2]!.hash })).toMatch(/does not continue/);
      const other = await newOrg(t, "purge-other");
      expect(
        await dbError(
          withTenant(t.db, { orgId: other }, async (tx) => {
            await tx.execute(sql`SELECT audit_purge_archived(${randomUUID()}::uuid)`);
          }),
        ),
      ).toMatch(/not found/);
      expect(await hotSeqs(orgId)).toEqual([1, 2, 3, 4]);
    });

    it("does not let one organisation purge another's archive", async () => {
      const orgId = await newOrg(t, "purge-owner");
      await record(orgId, 2);
      const events = await withTenant(t.db, { orgId }, (tx) => tx.select().from(auditEvents).orderBy(auditEvents.seq));
      const id = randomUUID();
      await withTenant(t.db, { orgId }, (tx) =>
        tx.insert(auditArchives).values({
          id,
          orgId,
          firstSeq: 1,
          lastSeq: 2,
          prevHash: GENESIS_HASH,
          headHash: events[1]!.hash,
          eventCount: 2,
          firstAt: new Date(),
          lastAt: new Date(),
          blobKey: "audit/x",
          byteSize: 0,
        }),
      );
      const other = await newOrg(t, "purge-intruder");
      expect(await dbError(withTenant(t.db, { orgId: other }, (tx) => tx.execute(sql`SELECT audit_purge_archived(${id}::uuid)`)))).toMatch(/not found|outside/);
      // The audit system scope reads every chain but records archives only for the account chain.
      const row = { id: randomUUID(), orgId, firstSeq: 1, lastSeq: 2, prevHash: GENESIS_HASH, headHash: events[1]!.hash, eventCount: 2 };
      const stamp = { firstAt: new Date(), lastAt: new Date(), blobKey: "audit/y", byteSize: 0 };
      expect(await dbError(withAuditSystemScope(t.db, (tx) => tx.insert(auditArchives).values({ ...row, ...stamp })))).toMatch(/row-level security/);
      expect(await hotSeqs(orgId)).toEqual([1, 2]);
      expect(await listArchives(t.db, { orgId, accountShard: 0 })).toEqual([]);
    });
  });
});
