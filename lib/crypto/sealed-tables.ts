import "server-only";
import type { PgTable } from "drizzle-orm/pg-core";
import { sealedActions, sealedContacts, sealedReports } from "@/lib/contacts/sealed";
import { sealedImportRows, sealedImports } from "@/lib/imports/sealed";
import { sealedIntegrationSecrets } from "@/lib/integrations/secrets";
import type { SealedTable } from "./sealed";

/**
 * Every table with sealed() columns except encrypted_files (whose blobs lib/crypto/files.ts
 * re-encrypts itself). Data-key rotation re-encrypts these before the old key is retired and the
 * GnuPG export reads them, so a new sealed table must be added here; a test fails until it is.
 */
export const sealedTables: ReadonlyArray<SealedTable<PgTable>> = [
  sealedIntegrationSecrets,
  sealedContacts,
  sealedActions,
  sealedReports,
  sealedImports,
  sealedImportRows,
] as unknown as SealedTable<PgTable>[];
