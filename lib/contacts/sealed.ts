import "server-only";
import { actions, contacts, reports } from "@/db/schema";
import { sealedTable } from "@/lib/crypto/sealed";

/** The workspace's sealed tables (registered in lib/crypto/sealed-tables.ts for rotation and the GnuPG export). */
export const sealedContacts = sealedTable(contacts, { id: "id", orgId: "orgId" });
export const sealedActions = sealedTable(actions, { id: "id", orgId: "orgId" });
export const sealedReports = sealedTable(reports, { id: "id", orgId: "orgId" });
