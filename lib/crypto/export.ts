import "server-only";
import { and, asc, eq, gt } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import * as openpgp from "openpgp";
import { encryptedFiles } from "@/db/schema/crypto";
import { organizations } from "@/db/schema/organizations";
import type { Database } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import type { SealedTable } from "./sealed";
import { sealedTables } from "./sealed-tables";

/**
 * The owner's export for GnuPG: the organisation's data as JSON lines inside one OpenPGP message
 * encrypted with a passphrase: a v4 SKESK (iterated and salted S2K, SHA-256, AES-256) and a
 * version 1 SEIPD packet (AES-256 with MDC), which GnuPG 2.2 decrypts. (GnuPG 2.2 reads neither
 * RFC 9580's SEIPD v2 nor v6 key packets; the fields at rest use v2, which is why this is separate.)
 */
export const MIN_EXPORT_PASSPHRASE = 12;
const ROWS_PER_BATCH = 500;

export class ExportPassphraseError extends Error {
  constructor() {
    super(`The export passphrase must be at least ${MIN_EXPORT_PASSPHRASE} characters`);
    this.name = "ExportPassphraseError";
  }
}

/** Bytes columns (after Buffer#toJSON) become base64 strings. */
const bytesAsBase64 = (_key: string, v: unknown) => {
  const b = v as { type?: unknown; data?: unknown } | null;
  return b && typeof b === "object" && b.type === "Buffer" && Array.isArray(b.data) ? Buffer.from(b.data as number[]).toString("base64") : v;
};

function jsonLine(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value, bytesAsBase64) + "\n");
}

const columnOf = (t: SealedTable<PgTable>, key: string) => (t.table as unknown as Record<string, PgColumn>)[key]!;

/** Every line of the export, read in batches (each in its own short tenant transaction). */
async function* exportLines(db: Database, orgId: string): AsyncGenerator<Uint8Array> {
  const [org] = await withTenant(db, { orgId }, (tx) =>
    tx.select({ id: organizations.id, slug: organizations.slug, name: organizations.name, createdAt: organizations.createdAt }).from(organizations).where(eq(organizations.id, orgId)),
  );
  if (!org) throw new Error("No such organisation");
  yield jsonLine({ format: "rampart-export", version: 1, exportedAt: new Date().toISOString(), organization: org });
  for (const table of sealedTables) {
    let after: string | null = null;
    for (;;) {
      const idColumn = columnOf(table, table.idKey);
      const since: string | null = after;
      const batch = await withTenant(db, { orgId }, async (tx) => {
        const rows = (await tx
          .select()
          .from(table.table)
          .where(and(eq(columnOf(table, table.orgKey), orgId), since === null ? undefined : gt(idColumn, since)))
          .orderBy(asc(idColumn))
          .limit(ROWS_PER_BATCH)) as Record<string, unknown>[];
        if (table.exportMode === "full") return (await table.openAll(tx, rows as never)) as Record<string, unknown>[];
        return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => !table.sealedColumns.some((c) => c.key === key))));
      });
      for (const row of batch) yield jsonLine({ table: table.name, row });
      if (batch.length < ROWS_PER_BATCH) break;
      after = String(batch.at(-1)![table.idKey]);
    }
  }
  const files = await withTenant(db, { orgId }, (tx) =>
    tx
      .select({ id: encryptedFiles.id, size: encryptedFiles.size, createdAt: encryptedFiles.createdAt })
      .from(encryptedFiles)
      .where(eq(encryptedFiles.orgId, orgId))
      .orderBy(asc(encryptedFiles.id)),
  );
  for (const row of files) yield jsonLine({ table: "encrypted_files", row });
}

function streamOf(lines: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await lines.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}

/** The organisation's export as a binary OpenPGP message, streamed; decrypt with `gpg --decrypt`. */
export async function exportOrganizationForGpg(db: Database, orgId: string, passphrase: string): Promise<ReadableStream<Uint8Array>> {
  if (passphrase.length < MIN_EXPORT_PASSPHRASE) throw new ExportPassphraseError();
  const message = await openpgp.createMessage({ binary: streamOf(exportLines(db, orgId)), filename: "rampart-export.jsonl", format: "binary" });
  return (await openpgp.encrypt({
    message,
    passwords: [passphrase],
    format: "binary",
    config: {
      aeadProtect: false,
      preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256,
      preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed,
      s2kType: openpgp.enums.s2k.iterated,
    },
  })) as ReadableStream<Uint8Array>;
}
