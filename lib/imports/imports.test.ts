import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, contactListMembers, contactLists, contactTagsInUse, contacts, encryptedFiles, importRows, imports, jobs } from "@/db/schema";
import { describeEvent } from "@/lib/audit/describe";
import { sealedContacts } from "@/lib/contacts/sealed";
import { deleteContact } from "@/lib/contacts/commands";
import { contactKeys, insertSealedContacts, updateContactFields } from "@/lib/contacts/write-rows";
import { sealedKeyVersion } from "@/lib/crypto/fields";
import { openEncryptedFile } from "@/lib/crypto/files";
import { resultRows, type Transaction } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { NotFoundError, RuleError } from "@/lib/errors";
import { withRunnerScope } from "@/lib/jobs/queue";
import { runJobsUntilIdle, runNextJob, type JobHandler } from "@/lib/jobs/runner";
import { afterSteps } from "@/lib/testing/job-steps";
import { createLocalBlobStore, type BlobStore } from "@/lib/storage";
import { readAll, streamOf } from "@/lib/streams";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { seedWorkspaceFixture, type WorkspaceFixture } from "@/lib/testing/workspace";
import { deleteCampaign } from "@/lib/tenancy/delete";
import { setWallForTest, type Wall } from "@/lib/tenancy/walls";
import { importJobHandler, importJobHandlers, rollbackJobHandler } from "./jobs";
import { FIXED_LIMITS, type ImportLimits } from "./limits";
import { ImportFileError } from "./read";
import { importRetentionForPerson } from "./retention";
import { sealedImportRows } from "./sealed";
import { prepareImportBatch, writeImportBatch } from "./write";
import { ROTATE_DATA_KEY_JOB, rotateDataKeyHandler, sealedValuesByKeyVersion, startDataKeyRotation } from "@/lib/crypto/rotation";
import {
  cancelImport,
  getImport,
  IMPORT_JOB,
  IMPORT_ROLLBACK_JOB,
  importProblems,
  importProgress,
  listImports,
  previewImport,
  requestRollback,
  startImport,
  sweepImports,
  uploadImportFile,
  type Who,
} from "./service";
import type { ImportChoices } from "./mapping";

const limits: ImportLimits = { maxBytes: 1024 * 1024, maxRows: 5000, ...FIXED_LIMITS, maxInflatedBytes: 64 * 1024 * 1024 };
const MARKER = "Quillfeather";
const choices = (over: Partial<ImportChoices> = {}): ImportChoices => ({
  mapping: { "0": "name", "1": "email", "2": "phone", "3": "notes" },
  duplicates: "skip",
  listId: null,
  tags: [],
  ...over,
});
const csv = (rows: string[][]) => Buffer.from(rows.map((r) => r.join(",")).join("\n") + "\n");
/** Runs `fn` with the given walls switched off (wall 3, RLS, stays on). */
async function withWallsOff<T>(walls: Wall[], fn: () => Promise<T>): Promise<T> {
  walls.forEach((w) => setWallForTest(w, false));
  try {
    return await fn();
  } finally {
    walls.forEach((w) => setWallForTest(w, true));
  }
}
const people = (n: number, from = 0) => Array.from({ length: n }, (_, i) => [`${MARKER} Person${i + from}`, `p${i + from}@quill.example.org`, "", `note ${i + from}`]);

describe.each(testBackends())("imports (%s)", (backend) => {
  let t: TestDatabase;
  let f: WorkspaceFixture;
  let blobDir: string;
  let store: BlobStore;
  let admin: Who;
  const handlers = () => importJobHandlers(store);
  const as = <T>(who: Who, fn: (tx: Transaction) => Promise<T>) => withTenant(t.db, who, fn);
  const upload = (who: Who, name: string, bytes: Uint8Array, l = limits, now?: Date) => uploadImportFile(t.db, store, who, { name, body: streamOf(bytes) }, l, now);
  const blobs = () =>
    fs
      .readdirSync(blobDir, { recursive: true })
      .map((p) => path.join(blobDir, String(p)))
      .filter((p) => fs.statSync(p).isFile());
  const fileRows = () => withTenant(t.db, { orgId: f.orgA }, (tx) => tx.select({ id: encryptedFiles.id }).from(encryptedFiles));
  const runAll = async () => {
    const out = await runJobsUntilIdle(t.db, { handlers: handlers() });
    return out;
  };
  const contactByEmail = (email: string) =>
    as(admin, async (tx) => {
      const rows = await tx.select().from(contacts).where(eq(contacts.orgId, f.orgA));
      const opened = await sealedContacts.openAll(tx, rows);
      return opened.find((c) => c.email === email) ?? null;
    });
  const keptTags = () => as(admin, async (tx) => (await tx.select({ tag: contactTagsInUse.tag }).from(contactTagsInUse).where(eq(contactTagsInUse.orgId, f.orgA))).map((r) => r.tag));
  const importNow = async (bytes: Uint8Array, c: ImportChoices, name = "people.csv") => {
    const { id } = await upload(admin, name, bytes);
    await as(admin, (tx) => startImport(tx, admin, id, c));
    await runAll();
    return id;
  };

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    f = await seedWorkspaceFixture(t.db, `imp-${backend}`);
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-imports-"));
    store = createLocalBlobStore(blobDir);
    admin = { orgId: f.orgA, userId: f.admin };
  });
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  it("uploads encrypted, previews in memory, writes nothing until started, then imports in the background", async () => {
    const bytes = csv([["Name", "Email", "Phone", "Notes"], ...people(30), ["", "bad", "", ""], [`${MARKER} Bad`, "not-an-email", "", ""]]);
    const { id } = await upload(admin, "people.csv", bytes);
    for (const blob of blobs()) expect(fs.readFileSync(blob).includes(Buffer.from(MARKER))).toBe(false);
    expect(await previewImport(t.db, store, admin, id, limits)).toHaveLength(20);
    expect((await previewImport(t.db, store, admin, id, limits))[0]![0]).toBe(`${MARKER} Person0`);
    const detail = await as(admin, (tx) => getImport(tx, f.orgA, id));
    expect(detail).toMatchObject({ fileName: "people.csv", headers: ["Name", "Email", "Phone", "Notes"], totalRows: 32, encoding: "utf-8", status: "uploaded" });
    expect(await as(admin, (tx) => tx.select().from(contacts).where(eq(contacts.orgId, f.orgA)))).toHaveLength(0);

    await as(admin, (tx) => startImport(tx, admin, id, choices({ tags: ["imported"] })));
    await expect(as(admin, (tx) => startImport(tx, admin, id, choices()))).rejects.toThrow(/already been started/);
    await runAll();
    const progress = await as(admin, (tx) => importProgress(tx, f.orgA, id));
    expect(progress).toMatchObject({ status: "succeeded", rowsDone: 32, created: 30, failed: 2, hasResultFile: true });
    const problems = await as(admin, (tx) => importProblems(tx, f.orgA, id));
    expect(problems.map((p) => [p.rowNumber, p.errorColumn])).toEqual([
      [32, "name"],
      [33, "email"],
    ]);
    expect(JSON.stringify(problems)).not.toContain("not-an-email");
    expect((await contactByEmail("p3@quill.example.org"))?.tags).toEqual(["imported"]);
    expect(await keptTags()).toContain("imported"); // the tag menus' source (lib/contacts/tags-in-use.ts)

    // The upload is gone with the job; the result file stays, encrypted, readable by the admin.
    const after = await as(admin, (tx) => getImport(tx, f.orgA, id));
    expect(after.uploadFileId).toBeNull();
    expect(after.uploadDeletedAt).toBeInstanceOf(Date);
    const result = (await readAll((await openEncryptedFile(t.db, store, admin, after.resultFileId!)).stream)).toString();
    expect(result.split("\n")[0]).toBe("row,outcome,contact_id,column,reason");
    expect(result).toContain("33,failed,,email,Enter an email address");
    expect(result).not.toContain(MARKER);

    const history = (await as(admin, (tx) => listImports(tx, f.orgA))).rows;
    expect(history[0]).toMatchObject({ id, fileName: "people.csv", created: 30, failed: 2, createdByName: "admin" });
    const events = await as(admin, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.orgId, f.orgA), eq(auditEvents.targetId, id))));
    const completed = events.find((e) => e.action === "import.completed")!;
    expect(describeEvent(completed, () => "Ada")).toBe("Ada imported 30 contacts from a CSV (2 rows refused)");
  });

  it("reads an .xlsx the same way", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("Sheet1");
    ws.addRow(["Full name", "E-mail", "VAN ID"]);
    ws.addRow(["Xavier Sheet", "xavier@sheet.example.org", 1001]);
    ws.addRow(["Yolanda Sheet", "yolanda@sheet.example.org", 1002]);
    const id = await importNow(new Uint8Array(await wb.xlsx.writeBuffer()), choices({ mapping: { "0": "name", "1": "email", "2": "external_id" } }), "sheet.xlsx");
    expect(await as(admin, (tx) => importProgress(tx, f.orgA, id))).toMatchObject({ status: "succeeded", created: 2 });
    const [row] = await as(admin, (tx) => tx.select({ externalId: contacts.externalId }).from(contacts).where(eq(contacts.externalId, "1002")));
    expect(row?.externalId).toBe("1002");
  });

  it("applies the duplicate policies: skip, fill empty fields, overwrite (by email, phone or external id)", async () => {
    await importNow(csv([["Name", "Email", "Phone", "Notes"], ["Dup One", "dup1@quill.example.org", "", ""]]), choices());
    const base = ["Dup One Renamed", "dup1@quill.example.org", "+44 20 7946 0001", "new note"];
    const skip = await importNow(csv([["Name", "Email", "Phone", "Notes"], base]), choices({ duplicates: "skip" }));
    expect(await as(admin, (tx) => importProgress(tx, f.orgA, skip))).toMatchObject({ created: 0, skipped: 1, updated: 0 });
    expect(await contactByEmail("dup1@quill.example.org")).toMatchObject({ name: "Dup One", phone: null });

    const fill = await importNow(csv([["Name", "Email", "Phone", "Notes"], base]), choices({ duplicates: "fill_empty" }));
    expect(await as(admin, (tx) => importProgress(tx, f.orgA, fill))).toMatchObject({ created: 0, updated: 1 });
    expect(await contactByEmail("dup1@quill.example.org")).toMatchObject({ name: "Dup One", phone: "+44 20 7946 0001", notes: "new note" });

    const over = await importNow(csv([["Name", "Email", "Phone", "Notes"], ["Dup By Phone", "", "+44 20 7946 0001", "other"]]), choices({ duplicates: "overwrite" }));
    expect(await as(admin, (tx) => importProgress(tx, f.orgA, over))).toMatchObject({ created: 0, updated: 1 });
    expect(await contactByEmail("dup1@quill.example.org")).toMatchObject({ name: "Dup By Phone", notes: "other" });

    // Deleting the contact deletes the import history's before-images of it too (deletion that really deletes).
    const dup = (await contactByEmail("dup1@quill.example.org"))!;
    const beforeImages = () =>
      as(admin, async (tx) => (await tx.select({ id: importRows.id }).from(importRows).where(and(inArray(importRows.importId, [fill, over]), isNotNull(importRows.before)))).length);
    expect(await beforeImages()).toBe(2);
    await as(admin, (tx) => deleteContact(tx, { orgId: f.orgA, userId: f.admin, role: "admin" }, dup.id));
    expect(await beforeImages()).toBe(0);

    // Two rows of one file naming the same person make one contact.
    const twice = await importNow(csv([["Name", "Email"], ["Twin", "twin@quill.example.org"], ["Twin Again", "TWIN@quill.example.org"]]), choices({ mapping: { "0": "name", "1": "email" } }));
    expect(await as(admin, (tx) => importProgress(tx, f.orgA, twice))).toMatchObject({ created: 1, skipped: 1 });
  });

  it("rolls back: created contacts deleted, overwritten fields restored, added tags and list entries removed, edited-after contacts kept and reported", async () => {
    const [list] = await as(admin, (tx) => tx.insert(contactLists).values({ orgId: f.orgA, name: "Rollback list" }).returning());
    await importNow(csv([["Name", "Email", "Notes"], ["Keep Me", "keep@quill.example.org", "original"], ["Edit Later", "edited@quill.example.org", "first"]]), choices({ mapping: { "0": "name", "1": "email", "2": "notes" }, tags: ["base"] }));
    const id = await importNow(
      csv([["Name", "Email", "Notes"], ["Brand New", "new@quill.example.org", "x"], ["Keep Me", "keep@quill.example.org", "overwritten"], ["Edit Later", "edited@quill.example.org", "second"]]),
      choices({ mapping: { "0": "name", "1": "email", "2": "notes" }, duplicates: "overwrite", listId: list!.id, tags: ["wave2"] }),
    );
    expect(await as(admin, (tx) => importProgress(tx, f.orgA, id))).toMatchObject({ created: 1, updated: 2 });
    const edited = (await contactByEmail("edited@quill.example.org"))!;
    await new Promise((r) => setTimeout(r, 5));
    await as(admin, (tx) => updateContactFields(tx, f.orgA, edited.id, { notes: "typed by a person" }));

    await as(admin, (tx) => requestRollback(tx, admin, id));
    await runAll();
    const progress = await as(admin, (tx) => importProgress(tx, f.orgA, id));
    expect(progress).toMatchObject({ status: "rolled_back", rollbackDone: 2, rollbackKept: 1 });
    expect(await contactByEmail("new@quill.example.org")).toBeNull();
    const kept = (await contactByEmail("keep@quill.example.org"))!;
    expect(kept).toMatchObject({ notes: "original", tags: ["base"] });
    expect(await as(admin, (tx) => tx.select().from(contactListMembers).where(eq(contactListMembers.contactId, kept.id)))).toHaveLength(0);
    expect(await contactByEmail("edited@quill.example.org")).toMatchObject({ notes: "typed by a person", tags: ["base", "wave2"] });
    expect(await keptTags()).toEqual(expect.arrayContaining(["base", "wave2"]));
    const problems = await as(admin, (tx) => importProblems(tx, f.orgA, id));
    expect(problems.filter((p) => p.kept).map((p) => p.contactId)).toEqual([edited.id]);
    const [event] = await as(admin, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.targetId, id), eq(auditEvents.action, "import.rolled_back"))));
    expect(describeEvent(event!, () => "Ada")).toMatch(/^Ada rolled back an import/);
    await expect(as(admin, (tx) => requestRollback(tx, admin, id))).rejects.toThrow(/Only a finished/);
  });

  it("created contacts carry their import: the result file lists them in file order, a rollback resumes through them and keeps one edited since, the history's expiry clears them", async () => {
    const rows = [["Name", "Email"], ...Array.from({ length: 5 }, (_, i) => [`Carried ${i}`, `carried${i}@quill.example.org`]), ["", "nameless@quill.example.org"]];
    const id = await importNow(csv(rows), choices({ mapping: { "0": "name", "1": "email" } }));
    const carried = () => as(admin, (tx) => tx.select({ id: contacts.id, row: contacts.importRow }).from(contacts).where(eq(contacts.importId, id)).orderBy(contacts.importRow));
    const made = await carried();
    expect(made.map((c) => c.row)).toEqual([2, 3, 4, 5, 6]);
    // No history row for a created contact: the refused row is the import's only one.
    expect((await as(admin, (tx) => tx.select({ outcome: importRows.outcome }).from(importRows).where(eq(importRows.importId, id)))).map((r) => r.outcome)).toEqual(["failed"]);
    const { resultFileId } = await as(admin, (tx) => getImport(tx, f.orgA, id));
    const lines = (await readAll((await openEncryptedFile(t.db, store, admin, resultFileId!)).stream)).toString().trim().split("\n");
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 3))).toEqual([...made.map((c) => [String(c.row), "created", c.id]), ["7", "failed", ""]]);

    // Someone edits row 4's contact; the rollback crashes after its first step over the created contacts, then resumes.
    await new Promise((r) => setTimeout(r, 5));
    await as(admin, (tx) => updateContactFields(tx, f.orgA, made[2]!.id, { notes: "typed by a person" }));
    await as(admin, (tx) => requestRollback(tx, admin, id));
    const crash = new AbortController();
    const handler = rollbackJobHandler({ batchRows: 2 });
    // Step 1 finds no history row to undo; step 2 deletes rows 2 and 3.
    const crashing = afterSteps(handler, 2, () => crash.abort());
    expect((await runNextJob(t.db, { handlers: { [IMPORT_ROLLBACK_JOB]: crashing }, signal: crash.signal }))?.outcome).toBe("interrupted");
    expect((await carried()).map((c) => c.row)).toEqual([4, 5, 6]);
    await withRunnerScope(t.db, (tx) => tx.update(jobs).set({ lockedUntil: sql`now() - interval '1 second'`, runAt: sql`now()` }).where(eq(jobs.orgId, f.orgA)));
    await runJobsUntilIdle(t.db, { handlers: { [IMPORT_ROLLBACK_JOB]: handler } });
    expect(await as(admin, (tx) => importProgress(tx, f.orgA, id))).toMatchObject({ status: "rolled_back", rollbackDone: 4, rollbackKept: 1 });
    expect((await carried()).map((c) => c.id)).toEqual([made[2]!.id]);
    expect(await contactByEmail("carried4@quill.example.org")).toBeNull();
    expect(await contactByEmail("carried2@quill.example.org")).toMatchObject({ notes: "typed by a person" });
    const problems = await as(admin, (tx) => importProblems(tx, f.orgA, id));
    expect(problems.filter((p) => p.kept)).toEqual([expect.objectContaining({ rowNumber: 4, outcome: "created", contactId: made[2]!.id })]);

    // The import's history expires: the contact it created and kept forgets it (no import id pointing nowhere).
    await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.update(imports).set({ createdAt: sql`now() - interval '400 days'` }).where(eq(imports.id, id)));
    expect(await sweepImports(t.db, store, [f.orgA])).toMatchObject({ history: 1 });
    expect(await as(admin, (tx) => tx.select().from(imports).where(eq(imports.id, id)))).toEqual([]);
    const [left] = await as(admin, (tx) => tx.select({ importId: contacts.importId, importRow: contacts.importRow }).from(contacts).where(eq(contacts.id, made[2]!.id)));
    expect(left).toEqual({ importId: null, importRow: null });
  });

  it("refuses a file over the size limit and bad files, leaving nothing behind", async () => {
    const before = { blobs: blobs().length, files: (await fileRows()).length };
    const big = Buffer.alloc(limits.maxBytes + 10, "a,b\n");
    await expect(upload(admin, "big.csv", big)).rejects.toThrow(/larger than 1 MB/);
    await expect(upload(admin, "header.csv", csv([["Name", "Email"]]))).rejects.toThrow(/header row but no contacts/);
    await expect(upload(admin, "binary.csv", new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]))).rejects.toBeInstanceOf(ImportFileError);
    await expect(upload(admin, "many.csv", csv([["Name"], ...Array.from({ length: 11 }, (_, i) => [`n${i}`])]), { ...limits, maxRows: 10 })).rejects.toThrow(/more than 10 rows/);
    await expect(upload(admin, "notes.pdf", csv([["Name"], ["x"]]))).rejects.toThrow(/\.csv or \.xlsx/);
    const hugeCell = Buffer.concat([Buffer.from(`Name,Notes\n${MARKER},"`), Buffer.alloc(10 * 1024 * 1024, "y"), Buffer.from('"\n')]);
    await expect(upload(admin, "cell.csv", hugeCell, { ...limits, maxBytes: 20 * 1024 * 1024 })).rejects.toThrow(/more than 32,768 characters/);
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet("S").addRow(["Name", "Sum"]);
    wb.getWorksheet("S")!.addRow([MARKER, { formula: "1+1", result: 2 }]);
    await expect(upload(admin, "formula.xlsx", new Uint8Array(await wb.xlsx.writeBuffer()))).rejects.toThrow(/is a formula/);
    expect(blobs().length).toBe(before.blobs);
    expect((await fileRows()).length).toBe(before.files);
    const count = await as(admin, async (tx) => (await tx.select().from(imports).where(eq(imports.status, "uploaded"))).length);
    expect(count).toBe(0);
  });

  it("refuses volunteers and other campaigns at wall 3, with the other walls off", async () => {
    const { id } = await upload(admin, "mine.csv", csv([["Name"], ["Private Person"]]));
    const volunteer: Who = { orgId: f.orgA, userId: f.volunteer };
    const rival: Who = { orgId: f.orgA, userId: f.ownerB };
    await withWallsOff(["middleware", "guard"], async () => {
      for (const who of [volunteer, rival]) {
        await expect(as(who, (tx) => getImport(tx, f.orgA, id))).rejects.toBeInstanceOf(NotFoundError);
        await expect(as(who, (tx) => listImports(tx, f.orgA))).resolves.toEqual({ rows: [], nextCursor: null, prevCursor: null });
        await expect(as(who, (tx) => startImport(tx, who, id, choices({ mapping: { "0": "name" } })))).rejects.toBeInstanceOf(NotFoundError);
        await expect(as(who, (tx) => cancelImport(tx, who, id))).rejects.toBeInstanceOf(NotFoundError);
        await expect(as(who, (tx) => requestRollback(tx, who, id))).rejects.toBeInstanceOf(NotFoundError);
        await expect(upload(who, "theirs.csv", csv([["Name"], ["x"]]))).rejects.toThrow();
      }
      const ownerB: Who = { orgId: f.orgB, userId: f.ownerB };
      await expect(as(ownerB, (tx) => getImport(tx, f.orgA, id))).rejects.toBeInstanceOf(NotFoundError);
    });
    const discarded = await as(admin, (tx) => cancelImport(tx, admin, id));
    expect(discarded).toMatchObject({ outcome: "discarded", blobKey: expect.any(String) });
    if (discarded.outcome === "discarded") await store.delete(discarded.blobKey!);
  });

  it("cancels a running import after its current batch and deletes the upload", async () => {
    const { id } = await upload(admin, "cancel.csv", csv([["Name", "Email", "Phone", "Notes"], ...people(9, 500)]));
    await as(admin, (tx) => startImport(tx, admin, id, choices()));
    const inner = importJobHandler(store, { batchRows: 3 });
    const cancelling = afterSteps(inner, 2, () => as(admin, (tx) => cancelImport(tx, admin, id)));
    await runJobsUntilIdle(t.db, { handlers: { [IMPORT_JOB]: cancelling } });
    const p = await as(admin, (tx) => importProgress(tx, f.orgA, id));
    expect(p).toMatchObject({ status: "cancelled", rowsDone: 3, created: 3 });
    expect((await as(admin, (tx) => getImport(tx, f.orgA, id))).uploadFileId).toBeNull();
  });

  it("the sweeper deletes an upload left mid-way once its lifetime passes, and marks when", async () => {
    const t0 = new Date();
    const { id } = await upload(admin, "stuck.csv", csv([["Name", "Email", "Phone", "Notes"], ...people(9, 700)]), limits, t0);
    await as(admin, (tx) => startImport(tx, admin, id, choices()));
    const stop = new AbortController();
    const inner = importJobHandler(store, { batchRows: 3 });
    const stopping: JobHandler = (job, ctx) => inner(job, { ...ctx, step: async (fn) => ((await ctx.step(fn)) as never, stop.abort(), undefined) as never });
    expect(await runNextJob(t.db, { handlers: { [IMPORT_JOB]: stopping }, signal: stop.signal })).toMatchObject({ outcome: "interrupted" });
    const blobKey = await withTenant(t.db, { orgId: f.orgA }, async (tx) => {
      const [imp] = await tx.select().from(imports).where(eq(imports.id, id));
      const [file] = await tx.select().from(encryptedFiles).where(eq(encryptedFiles.id, imp!.uploadFileId!));
      return file!.blobKey;
    });
    expect(await store.exists(blobKey)).toBe(true);
    expect(await sweepImports(t.db, store, [f.orgA], new Date(t0.getTime() + 59 * 60_000))).toMatchObject({ uploads: 0 });
    const later = new Date(t0.getTime() + 60 * 60_000);
    expect(await sweepImports(t.db, store, [f.orgA], later)).toMatchObject({ uploads: 1 });
    expect(await store.exists(blobKey)).toBe(false);
    const imp = await as(admin, (tx) => getImport(tx, f.orgA, id));
    expect(imp.uploadFileId).toBeNull();
    expect(imp.uploadDeletedAt?.getTime()).toBe(later.getTime());
  });

  it("an import whose upload expired before it ran fails, and says so in the feed", async () => {
    const t0 = new Date();
    const { id } = await upload(admin, "late.csv", csv([["Name"], ["Too Late"]]), limits, t0);
    await as(admin, (tx) => startImport(tx, admin, id, choices({ mapping: { "0": "name" } })));
    await sweepImports(t.db, store, [f.orgA], new Date(t0.getTime() + 61 * 60_000));
    await runAll();
    expect(await as(admin, (tx) => importProgress(tx, f.orgA, id))).toMatchObject({ status: "failed", created: 0 });
    const [event] = await as(admin, (tx) => tx.select().from(auditEvents).where(and(eq(auditEvents.targetId, id), eq(auditEvents.action, "import.failed"))));
    expect(describeEvent(event!, () => "Ada")).toBe("An import failed");
  });

  it("a campaign's lower upload lifetime is honoured", async () => {
    await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.execute(sql`update organizations set settings = settings || '{"importUploadMinutes": 5}'::jsonb where id = ${f.orgA}`));
    const t0 = new Date();
    const { id } = await upload(admin, "short.csv", csv([["Name"], ["Short Lived"]]), limits, t0);
    expect(await sweepImports(t.db, store, [f.orgA], new Date(t0.getTime() + 5 * 60_000))).toMatchObject({ uploads: 1 });
    expect((await as(admin, (tx) => getImport(tx, f.orgA, id))).uploadDeletedAt).toBeInstanceOf(Date);
    await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.execute(sql`update organizations set settings = settings - 'importUploadMinutes' where id = ${f.orgA}`));
  });

  it("leaves no imported value in a raw dump or in the blob directory", async () => {
    const dump = await t.db.transaction(async (tx) => {
      const [{ owner }] = resultRows<{ owner: string }>(await tx.execute(sql`select session_user::text as owner`)) as [{ owner: string }];
      await tx.execute(sql.raw(`SET LOCAL ROLE "${owner.replace(/"/g, "")}"`));
      const tables = resultRows<{ name: string }>(await tx.execute(sql`select schemaname || '.' || tablename as name from pg_tables where schemaname = 'public'`));
      const lines: string[] = [];
      for (const { name } of tables) lines.push(...resultRows<{ line: string }>(await tx.execute(sql.raw(`select t::text as line from ${name} t`))).map((r) => r.line));
      return lines.join("\n");
    });
    expect(await withTenant(t.db, { orgId: f.orgA }, async (tx) => (await tx.select().from(importRows)).length)).toBeGreaterThan(0);
    for (const value of [MARKER, "quill.example.org", "people.csv", "Private Person"]) {
      expect(dump.toLowerCase().includes(value.toLowerCase()), `${value} in the dump`).toBe(false);
      for (const blob of blobs()) expect(fs.readFileSync(blob).includes(Buffer.from(value)), `${value} in a blob`).toBe(false);
    }
  });

  it("shows each campaign's import retention to its own members only", async () => {
    await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.execute(sql`update organizations set settings = settings || '{"importResultDays": 0}'::jsonb where id = ${f.orgA}`));
    expect(await importRetentionForPerson(t.db, f.volunteer)).toEqual([{ name: "a", slug: `imp-${backend}-a`, uploadMinutes: 60, resultDays: 0, historyDays: 90 }]);
    expect((await importRetentionForPerson(t.db, f.ownerB)).map((r) => r.name)).toEqual(["b"]);
    expect(await importRetentionForPerson(t.db, f.outsider)).toEqual([]);
    // With no result file kept, a finished import leaves none.
    const id = await importNow(csv([["Name"], ["No Result"]]), choices({ mapping: { "0": "name" } }));
    expect(await as(admin, (tx) => importProgress(tx, f.orgA, id))).toMatchObject({ status: "succeeded", hasResultFile: false });
    await withTenant(t.db, { orgId: f.orgA }, (tx) => tx.execute(sql`update organizations set settings = settings - 'importResultDays' where id = ${f.orgA}`));
  });

  it("data-key rotation re-encrypts the import history too (file names, headers, before-images)", async () => {
    const before = await sealedValuesByKeyVersion(t.db, f.orgA);
    expect(Object.keys(before)).toEqual(["1"]);
    await startDataKeyRotation(t.db, f.orgA);
    await runJobsUntilIdle(t.db, { handlers: { [ROTATE_DATA_KEY_JOB]: rotateDataKeyHandler(store) } });
    expect(await sealedValuesByKeyVersion(t.db, f.orgA)).toEqual({ 2: before[1] });
    const history = (await as(admin, (tx) => listImports(tx, f.orgA))).rows;
    expect(history.map((h) => h.fileName)).toContain("people.csv");
    const withBefore = await as(admin, async (tx) => sealedImportRows.openAll(tx, await tx.select().from(importRows).where(eq(importRows.outcome, "updated"))));
    expect(withBefore.some((r) => r.before !== null)).toBe(true);
  });

  it("deleting the campaign deletes its imports and their blobs", async () => {
    await upload(admin, "last.csv", csv([["Name"], ["Last One"]]));
    expect(blobs().some((b) => b.includes(f.orgA))).toBe(true);
    await deleteCampaign(t.db, store, f.orgA, f.owner);
    expect(blobs().filter((b) => b.includes(f.orgA))).toEqual([]);
    const left = await withTenant(t.db, { orgId: f.orgA }, async (tx) => ({
      imports: await tx.select().from(imports),
      rows: await tx.select().from(importRows),
    }));
    expect(left).toEqual({ imports: [], rows: [] });
  });

  it("a batch prepared ahead under a key that a rotation has since replaced is sealed again under the new key", async () => {
    const ownerB: Who = { orgId: f.orgB, userId: f.ownerB };
    const { id } = await uploadImportFile(t.db, store, ownerB, { name: "ahead.csv", body: streamOf(csv([["Name", "Email"], ["Ahead One", "ahead1@quill.example.org"]])) }, limits);
    const imp = { id, mapping: { "0": "name", "1": "email" }, options: { duplicates: "skip" as const, listId: null, tags: [] } };
    const rows = [{ rowNumber: 2, cells: ["Ahead One", "ahead1@quill.example.org"] }];
    const versionsOf = (ids: string[]) =>
      withTenant(t.db, ownerB, async (tx) => (await tx.select({ card: contacts.card }).from(contacts).where(inArray(contacts.id, ids))).map((c) => sealedKeyVersion(c.card!)));
    // A created contact carries its import (contacts.import_id): no history row of its own.
    const createdIn = (tx: Transaction) => tx.select({ contactId: contacts.id }).from(contacts).where(eq(contacts.importId, id));

    // Same keys: the prepared rows are the ones written (their ids, sealed under the key they were prepared with).
    const keys = await withTenant(t.db, ownerB, (tx) => contactKeys(tx, f.orgB));
    const same = await prepareImportBatch(keys, ownerB, imp, rows);
    await withTenant(t.db, ownerB, (tx) => writeImportBatch(tx, ownerB, imp, rows, same));
    const [first] = await withTenant(t.db, ownerB, createdIn);
    expect(first!.contactId).toBe(same.rows[0]!.sealed!.id);
    expect(await versionsOf([first!.contactId!])).toEqual([keys.data.version]);

    // A rotation in between: the prepared copy is dropped and the row sealed under the active key.
    const next = [{ rowNumber: 3, cells: ["Ahead Two", "ahead2@quill.example.org"] }];
    const stale = await prepareImportBatch(keys, ownerB, imp, next);
    const { version } = await startDataKeyRotation(t.db, ownerB);
    expect(version).toBe(keys.data.version + 1);
    await withTenant(t.db, ownerB, (tx) => writeImportBatch(tx, ownerB, imp, next, stale));
    const created = (await withTenant(t.db, ownerB, createdIn)).map((r) => r.contactId!);
    const second = created.find((c) => c !== first!.contactId)!;
    expect(second).not.toBe(stale.rows[0]!.sealed!.id);
    expect(await versionsOf([second])).toEqual([version]);
    const opened = await withTenant(t.db, ownerB, async (tx) => sealedContacts.openAll(tx, await tx.select().from(contacts).where(eq(contacts.id, second))));
    expect(opened[0]).toMatchObject({ name: "Ahead Two", email: "ahead2@quill.example.org" });

    // And rows sealed under the old key are refused outright by the sealed-row insert.
    await expect(withTenant(t.db, ownerB, (tx) => insertSealedContacts(tx, keys, [stale.rows[0]!.sealed!], { source: "import", createdBy: f.ownerB }))).rejects.toThrow(/keys this transaction does not hold/);
  });

  it("an import whose batches are prepared while the previous one is written: a rotation mid-way, every row once and readable", async () => {
    const ownerB: Who = { orgId: f.orgB, userId: f.ownerB };
    await runJobsUntilIdle(t.db, { handlers: { [ROTATE_DATA_KEY_JOB]: rotateDataKeyHandler(store) } }); // the rotation the test above started
    const { id } = await upload(ownerB, "pipelined.csv", csv([["Name", "Email", "Phone", "Notes"], ...people(10, 900)]));
    await as(ownerB, (tx) => startImport(tx, ownerB, id, choices()));
    const inner = importJobHandler(store, { batchRows: 3 });
    let steps = 0;
    let rotatedTo = 0;
    const rotating: JobHandler = (job, ctx) =>
      inner(job, {
        ...ctx,
        step: async (fn) => {
          const r = await ctx.step(fn);
          if (++steps === 3) {
            const started = await startDataKeyRotation(t.db, ownerB);
            expect(started.started).toBe(true);
            rotatedTo = started.version;
          }
          return r;
        },
      });
    await runJobsUntilIdle(t.db, { handlers: { [IMPORT_JOB]: rotating } });
    expect(await as(ownerB, (tx) => importProgress(tx, f.orgB, id))).toMatchObject({ status: "succeeded", rowsDone: 10, created: 10, failed: 0 });
    const written = await as(ownerB, async (tx) => {
      const history = await tx.select({ rowNumber: contacts.importRow, contactId: contacts.id }).from(contacts).where(eq(contacts.importId, id));
      const rows = await tx.select().from(contacts).where(inArray(contacts.id, history.map((h) => h.contactId!)));
      return { history, rows, opened: await sealedContacts.openAll(tx, rows) };
    });
    expect(written.history.map((h) => h.rowNumber!).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));
    expect(new Set(written.opened.map((c) => c.email))).toEqual(new Set(people(10, 900).map((p) => p[1])));
    // Batches 1 and 2 (steps 2 and 3) were written before the rotation; every later batch under the new key.
    const byRow = new Map(written.history.map((h) => [h.contactId, h.rowNumber]));
    for (const c of written.rows) expect(sealedKeyVersion(c.card!)).toBe(byRow.get(c.id)! <= 7 ? rotatedTo - 1 : rotatedTo);
  });

  it("a RuleError for an unknown import is a 404", async () => {
    await expect(as(admin, (tx) => getImport(tx, f.orgA, "00000000-0000-4000-8000-000000000000"))).rejects.toSatisfy((e: unknown) => e instanceof RuleError && e.status === 404);
  });
});
