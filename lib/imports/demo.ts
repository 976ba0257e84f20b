import "server-only";
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { importRows, imports, type ImportFormat, type ImportStatus } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import type { Transaction } from "@/lib/db/client";
import { rollbackCreated, rollbackRows } from "./jobs";
import { sealedImports } from "./sealed";
import { writeImportBatch } from "./write";

/** The demo campaign's import history: one finished import with a few refused rows, one rolled back. Uploads long deleted. */
export async function seedDemoImports(tx: Transaction, orgId: string, adminId: string, now = new Date()): Promise<void> {
  const actor = { kind: "member" as const, id: adminId };
  const headers = ["Full name", "Email", "Mobile", "Town", "Tags"];
  const mapping = { "0": "name", "1": "email", "2": "phone", "3": "city", "4": "tags" };
  const options = { duplicates: "skip" as const, listId: null, tags: ["supporter"] };

  async function seedOne(fileName: string, format: ImportFormat, rows: string[][], hoursAgo: number, status: ImportStatus) {
    const id = randomUUID();
    const at = new Date(now.getTime() - hoursAgo * 3_600_000);
    const finished = new Date(at.getTime() + 42_000);
    await tx.insert(imports).values(
      await sealedImports.seal(tx, {
        id,
        orgId,
        createdBy: adminId,
        fileName,
        headers,
        format,
        encoding: format === "csv" ? "utf-8" : "xlsx",
        delimiter: format === "csv" ? "," : null,
        fileSize: 2048,
        totalRows: rows.length,
        uploadExpiresAt: new Date(at.getTime() + 3_600_000),
        uploadDeletedAt: finished,
        mapping,
        options,
        status: "running",
        startedAt: at,
        createdAt: at,
        updatedAt: at,
      }),
    );
    await recordAuditEvent(tx, { orgId, actor, action: "import.started", target: { type: "import", id }, metadata: { format, rows: rows.length } });
    const counts = await writeImportBatch(tx, { orgId, userId: adminId }, { id, mapping, options }, rows.map((cells, i) => ({ rowNumber: i + 2, cells })));
    await tx
      .update(imports)
      .set({ ...counts, rowsDone: rows.length, status: "succeeded", finishedAt: finished, updatedAt: finished })
      .where(eq(imports.id, id));
    await recordAuditEvent(tx, { orgId, actor, action: "import.completed", target: { type: "import", id }, metadata: { inserted: counts.created, updated: counts.updated, skipped: counts.skipped, failed: counts.failed, format } });
    if (status !== "rolled_back") return;
    const written = await tx.select().from(importRows).where(and(eq(importRows.importId, id), eq(importRows.outcome, "updated")));
    const fields = await rollbackRows(tx, orgId, written);
    const made = await rollbackCreated(tx, orgId, id, 0, rows.length + 2);
    const done = fields.done + made.done;
    const kept = fields.kept + made.kept;
    await tx.update(imports).set({ status: "rolled_back", rolledBackBy: adminId, rolledBackAt: finished, rollbackDone: done, rollbackKept: kept }).where(eq(imports.id, id));
    await recordAuditEvent(tx, { orgId, actor, action: "import.rolled_back", target: { type: "import", id }, metadata: { rows: done, kept } });
  }

  await seedOne(
    "spring-signups.csv",
    "csv",
    [
      ["Nadia Rahman", "nadia.rahman@example.org", "+44 20 7946 0401", "Leeds", "volunteer-lead"],
      ["Tomasz Nowak", "tomasz.nowak@example.org", "", "Bradford", ""],
      ["Efua Mensah", "efua.mensah@example.org", "+44 20 7946 0402", "Leeds", "donor"],
      ["", "no-name@example.org", "", "York", ""],
      ["Liam O'Brien", "liam.obrien(at)example.org", "", "Hull", ""],
      ["Hannah Weiss", "hannah.weiss@example.org", "12", "Leeds", ""],
      ["Sofia Costa", "sofia.costa@example.org", "", "Wakefield", "volunteer-lead"],
    ],
    30,
    "succeeded",
  );
  await seedOne(
    "old-phonebank-list.xlsx",
    "xlsx",
    [
      ["Gareth Pryce", "gareth.pryce@example.org", "+44 20 7946 0411", "Cardiff", ""],
      ["Mei Lin", "mei.lin@example.org", "", "Swansea", ""],
      ["Oscar Lindqvist", "oscar.lindqvist@example.org", "+44 20 7946 0412", "Newport", ""],
    ],
    6,
    "rolled_back",
  );
}
