import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import pg from "pg";
import { createContact } from "@/lib/contacts/commands";
import { getContact } from "@/lib/contacts/get-contact";
import type { ContactViewer } from "@/lib/contacts/visibility";
import { KeyUnavailableError } from "@/lib/crypto/errors";
import { useTestMasterKeys } from "@/lib/crypto/test-support";
import { resultRows } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { connectIntegration, getIntegrationCredentials } from "@/lib/integrations/secrets";
import { createLocalBlobStore, type BlobStore } from "@/lib/storage";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { deleteCampaign } from "@/lib/tenancy/delete";
import { takeBackup } from "./backup";
import { escrowBlobKey } from "./escrow";
import { RestoreRefusedError } from "./errors";
import { backupBlobKey, manifestBlobKey } from "./manifest";
import { restoreBackup, type RestoreTarget } from "./restore";

async function readAll(stream: ReadableStream<Uint8Array> | null): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of stream as unknown as AsyncIterable<Uint8Array>) parts.push(c);
  return Buffer.concat(parts);
}

const count = async (t: { db: TestDatabase["db"] }, table: string) =>
  Number(resultRows<{ n: number }>(await t.db.transaction(async (tx) => {
    await tx.execute(sql.raw("SET LOCAL ROLE NONE"));
    return tx.execute(sql.raw(`select count(*)::int as n from ${table}`));
  }))[0]!.n);

/** Each restore migrates a fresh database: slow on a loaded two-core machine. */
const RESTORE_TIMEOUT_MS = 180_000;

describe.each(testBackends())("backup and restore (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let dir: string;
  let blobs: BlobStore;
  let target: BlobStore;
  const backupKey = randomBytes(32);
  const admin = (): ContactViewer => ({ orgId: f.orgA, userId: f.admin, role: "admin" });
  const contactIds: string[] = [];

  /** A fresh restore target of this backend: a new database on the server, or a new data directory. */
  async function freshTarget(): Promise<{ target: RestoreTarget; cleanup(): Promise<void> }> {
    if (backend === "pglite") {
      const d = path.join(dir, `restore-${randomBytes(4).toString("hex")}`);
      return { target: { kind: "dir", dir: d }, cleanup: async () => fs.rmSync(d, { recursive: true, force: true }) };
    }
    const scratch = await createTestDatabase("postgres");
    return { target: { kind: "url", url: scratch.url! }, cleanup: () => scratch.drop() };
  }

  beforeAll(async () => {
    useTestMasterKeys(["m1"]);
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, "bk");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-backup-"));
    blobs = createLocalBlobStore(path.join(dir, "blobs"));
    target = createLocalBlobStore(path.join(dir, "backups"));
    for (const name of ["Ada Lovelace", "Bo Diddley", "Cy Twombly"])
      contactIds.push(await withTenant(t.db, { orgId: f.orgA, userId: f.admin }, (tx) => createContact(tx, admin(), { name, email: `${name.split(" ")[0]!.toLowerCase()}@example.org` })));
    for (const orgId of [f.orgA, f.orgB])
      await withTenant(t.db, { orgId }, (tx) => connectIntegration(tx, orgId, { provider: "mailer", credentials: { kind: "api_key", apiKey: `sk_${orgId.slice(0, 8)}` } }));
  });
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, RESTORE_TIMEOUT_MS);

  it("backs up, restores into an empty target and verifies counts, audit chains and sealed values", async () => {
    const manifest = await takeBackup({ db: t.db, driver: t.driver, target, blobs, backupKey });
    expect(manifest.tables.find((x) => x.name === "contacts")!.rows).toBe(3);
    expect(manifest.chainHeads.length).toBeGreaterThan(0);
    expect(manifest.masterKeyIds).toEqual(["m1"]);
    const raw = await readAll(await target.get(backupBlobKey(manifest.id)));
    expect(raw.includes(Buffer.from("Ada Lovelace"))).toBe(false);
    expect(raw.includes(Buffer.from("ada@example.org"))).toBe(false);

    const { target: into, cleanup } = await freshTarget();
    try {
      const { report, handle } = await restoreBackup({ source: { store: target, id: manifest.id }, target: into, backupKey, blobs });
      try {
        expect(report.shreddedCampaigns).toEqual([]);
        expect(report.sealedValuesOpened).toBeGreaterThan(0);
        expect(report.events).toBeGreaterThan(0);
        const contact = await withTenant(handle.db, { orgId: f.orgA, userId: f.admin }, (tx) => getContact(tx, admin(), contactIds[0]!));
        expect(contact?.name).toBe("Ada Lovelace");
        expect(await count(handle, "contacts")).toBe(3);
      } finally {
        await handle.close();
      }
    } finally {
      await cleanup();
    }
  }, RESTORE_TIMEOUT_MS);

  /** Copies a backup under the same id into another store after `change` alters its bytes. */
  async function tampered(id: string, change: (bytes: Buffer) => Buffer): Promise<BlobStore> {
    const copy = createLocalBlobStore(path.join(dir, `tampered-${randomBytes(4).toString("hex")}`));
    await copy.put(manifestBlobKey(id), await readAll(await target.get(manifestBlobKey(id))));
    await copy.put(backupBlobKey(id), change(await readAll(await target.get(backupBlobKey(id)))));
    return copy;
  }

  it("refuses a corrupted or truncated backup with a clear message, before touching the target", async () => {
    const manifest = await takeBackup({ db: t.db, driver: t.driver, target, blobs, backupKey });
    const flipped = await tampered(manifest.id, (b) => {
      const out = Buffer.from(b);
      out[Math.floor(out.length / 2)]! ^= 0x01;
      return out;
    });
    const cut = await tampered(manifest.id, (b) => b.subarray(0, b.length - 100));
    for (const store of [flipped, cut]) {
      const { target: into, cleanup } = await freshTarget();
      try {
        const refused = await restoreBackup({ source: { store, id: manifest.id }, target: into, backupKey, blobs }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(RestoreRefusedError);
        expect((refused as Error).message).toMatch(new RegExp(`Backup ${manifest.id} is damaged or truncated .*nothing was restored`));
        if (into.kind === "dir") expect(fs.existsSync(into.dir)).toBe(false);
        else if (into.kind === "url") {
          const c = new pg.Client({ connectionString: into.url });
          await c.connect();
          expect((await c.query("select count(*)::int as n from contacts")).rows[0].n).toBe(0);
          await c.end();
        }
      } finally {
        await cleanup();
      }
    }
    const wrongKey = await restoreBackup({ source: { store: target, id: manifest.id }, target: { kind: "memory" }, backupKey: randomBytes(32), blobs }).catch((e: unknown) => e);
    expect((wrongKey as Error).message).toMatch(/manifest was changed, or belongs to another backup key/);
  }, RESTORE_TIMEOUT_MS);

  it("refuses to restore into a database or data directory that holds data", async () => {
    const manifest = await takeBackup({ db: t.db, driver: t.driver, target, blobs, backupKey });
    const { target: into, cleanup } = await freshTarget();
    try {
      const first = await restoreBackup({ source: { store: target, id: manifest.id }, target: into, backupKey, blobs });
      await first.handle.close();
      const again = await restoreBackup({ source: { store: target, id: manifest.id }, target: into, backupKey, blobs }).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(RestoreRefusedError);
      expect((again as Error).message).toMatch(/not empty.*Nothing was changed/);
      if (into.kind === "dir") expect(fs.readdirSync(into.dir).length).toBeGreaterThan(0);
    } finally {
      await cleanup();
    }
  }, RESTORE_TIMEOUT_MS);

  it("keeps a deleted campaign unreadable in backups taken before the deletion", async () => {
    const before = await takeBackup({ db: t.db, driver: t.driver, target, blobs, backupKey });
    expect(before.orgKeys.some((k) => k.orgId === f.orgB && k.status === "active")).toBe(true);
    expect(await blobs.exists(escrowBlobKey(f.orgB))).toBe(true);

    await deleteCampaign(t.db, blobs, f.orgB, f.ownerB);
    expect(await blobs.exists(escrowBlobKey(f.orgB))).toBe(false);

    const { target: into, cleanup } = await freshTarget();
    try {
      const { report, handle } = await restoreBackup({ source: { store: target, id: before.id }, target: into, backupKey, blobs });
      try {
        expect(report.shreddedCampaigns).toEqual([f.orgB]);
        // B's integration secret is in the restored rows, but its keys came back destroyed.
        expect(await count(handle, `integration_secrets where org_id = '${f.orgB}'`)).toBe(1);
        const readB = await withTenant(handle.db, { orgId: f.orgB }, (tx) => getIntegrationCredentials(tx, f.orgB, "mailer")).catch((e: unknown) => e);
        expect(readB).toBeInstanceOf(KeyUnavailableError);
        const readA = await withTenant(handle.db, { orgId: f.orgA }, (tx) => getIntegrationCredentials(tx, f.orgA, "mailer"));
        expect(readA).toMatchObject({ apiKey: `sk_${f.orgA.slice(0, 8)}` });
      } finally {
        await handle.close();
      }
    } finally {
      await cleanup();
    }
  }, RESTORE_TIMEOUT_MS);
});
