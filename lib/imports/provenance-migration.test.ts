import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import os from "node:os";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contacts, importRows } from "@/db/schema";
import { contactKeys, contactRowSealer, insertSealedContacts } from "@/lib/contacts/write-rows";
import { resultRows } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { createLocalBlobStore } from "@/lib/storage";
import { streamOf } from "@/lib/streams";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { FIXED_LIMITS } from "./limits";
import { uploadImportFile } from "./service";

const limits = { maxBytes: 1024 * 1024, maxRows: 100, ...FIXED_LIMITS, maxInflatedBytes: 64 * 1024 * 1024 };

/**
 * Migration 0031's data step: history rows of created contacts, as imports wrote them before, move onto their contact
 * (contacts.import_id, import_row) and leave import_rows; a row a rollback kept stays. The statements are run again
 * here, on rows written the old way, as the database's owner (as the migration runs).
 */
const MIGRATION = path.join(process.cwd(), "db/migrations/0031_contacts_remember_their_import.sql");
const dataStatements = () =>
  fs
    .readFileSync(MIGRATION, "utf8")
    .split("--> statement-breakpoint")
    .map((s) => s.trim())
    .filter((s) => /^(--[^\n]*\n)*\s*(UPDATE|DELETE)/.test(s));

describe.each(testBackends())("migration 0031 moves created contacts' history onto the contact (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, `prov-${backend}`);
  });
  afterAll(() => t?.drop());

  it("moves each created row onto its contact, keeps kept and other rows, and leaves contacts of no import alone", async () => {
    const admin = { orgId: f.orgA, userId: f.admin };
    const blobs = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-prov-"));
    const { id: importId } = await uploadImportFile(t.db, createLocalBlobStore(blobs), admin, { name: "old.csv", body: streamOf(Buffer.from("Name\nx\n")) }, limits);
    fs.rmSync(blobs, { recursive: true, force: true });
    const ids = await withTenant(t.db, admin, async (tx) => {
      const keys = await contactKeys(tx, f.orgA);
      const sealer = contactRowSealer(keys);
      const rows = ["Moved One", "Moved Two", "Kept Three", "Updated Four", "Manual Five"].map((name) => sealer.seal({ name, email: undefined, phone: undefined, notes: undefined, tags: [] }, { source: "import", createdBy: f.admin }, null));
      await insertSealedContacts(tx, keys, rows, { source: "import", createdBy: f.admin });
      const [one, two, three, four] = rows.map((r) => r.id);
      const at = new Date();
      await tx.insert(importRows).values([
        { id: randomUUID(), importId, orgId: f.orgA, rowNumber: 2, outcome: "created", contactId: one, writtenAt: at },
        { id: randomUUID(), importId, orgId: f.orgA, rowNumber: 3, outcome: "created", contactId: two, writtenAt: at },
        { id: randomUUID(), importId, orgId: f.orgA, rowNumber: 4, outcome: "created", contactId: three, writtenAt: at, keptAtRollback: true },
        { id: randomUUID(), importId, orgId: f.orgA, rowNumber: 5, outcome: "updated", contactId: four, writtenAt: at },
        { id: randomUUID(), importId, orgId: f.orgA, rowNumber: 6, outcome: "failed", errorColumn: "name", errorReason: "Enter a name" },
      ]);
      return rows.map((r) => r.id);
    });
    const statements = dataStatements();
    expect(statements).toHaveLength(2);
    await t.db.transaction(async (tx) => {
      const [{ owner }] = resultRows<{ owner: string }>(await tx.execute(sql`select session_user::text as owner`)) as [{ owner: string }];
      await tx.execute(sql.raw(`SET LOCAL ROLE "${owner.replace(/"/g, "")}"`));
      for (const statement of statements) await tx.execute(sql.raw(statement));
    });
    const after = await withTenant(t.db, admin, async (tx) => ({
      contacts: await tx.select({ id: contacts.id, importId: contacts.importId, importRow: contacts.importRow }).from(contacts).where(eq(contacts.orgId, f.orgA)),
      rows: await tx.select({ rowNumber: importRows.rowNumber, outcome: importRows.outcome }).from(importRows).where(eq(importRows.importId, importId)).orderBy(importRows.rowNumber),
    }));
    const byId = new Map(after.contacts.map((c) => [c.id, c]));
    expect(ids.map((id) => [byId.get(id)!.importId, byId.get(id)!.importRow])).toEqual([
      [importId, 2],
      [importId, 3],
      [importId, 4],
      [null, null],
      [null, null],
    ]);
    expect(after.rows).toEqual([
      { rowNumber: 4, outcome: "created" },
      { rowNumber: 5, outcome: "updated" },
      { rowNumber: 6, outcome: "failed" },
    ]);
  });
});
