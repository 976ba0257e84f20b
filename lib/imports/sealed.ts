import "server-only";
import { importRows, imports } from "@/db/schema";
import { sealedTable } from "@/lib/crypto/sealed";

/** Imports' sealed columns (the file name, the header row, the before-images): registered in lib/crypto/sealed-tables.ts. */
export const sealedImports = sealedTable(imports, { id: "id", orgId: "orgId" });
export const sealedImportRows = sealedTable(importRows, { id: "id", orgId: "orgId" });
