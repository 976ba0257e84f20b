"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getConfig } from "@/lib/config";
import { importFields } from "@/lib/imports/fields";
import { cancelImport, requestRollback, startImport } from "@/lib/imports/service";
import { createBlobStore } from "@/lib/storage";
import { orgAction } from "@/lib/tenancy/guards";
import { uuidSchema } from "@/lib/validation/ids";

const importId = z.object({ id: uuidSchema });

/** The mapping form: one select per column (`col_<n>`), the duplicate policy, a list and tags for every row. */
const startSchema = z
  .looseObject({
    id: uuidSchema,
    duplicates: z.string(),
    listId: z.string().optional(),
    tags: z.string().max(500).optional(),
  })
  .transform((form) => ({
    id: form.id,
    choices: {
      mapping: Object.fromEntries(
        Object.entries(form)
          .filter(([k, v]) => /^col_\d{1,3}$/.test(k) && typeof v === "string" && (importFields as readonly string[]).includes(v))
          .map(([k, v]) => [k.slice(4), v as string]),
      ),
      duplicates: form.duplicates,
      listId: form.listId ? form.listId : null,
      tags: (form.tags ?? "")
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    },
  }));

export const startImportAction = orgAction("imports:manage", startSchema, async ({ id, choices }, { access, tx, requestId, afterCommit }) => {
  await startImport(tx, { orgId: access.org.id, userId: access.userId }, id, choices, requestId);
  afterCommit(() => redirect(`/o/${access.org.slug}/imports/${id}`));
  return { ok: true, message: "Import started." };
});

export const cancelImportAction = orgAction("imports:manage", importId, async ({ id }, { access, tx, afterCommit }) => {
  const result = await cancelImport(tx, { orgId: access.org.id, userId: access.userId }, id);
  if (result.outcome === "discarded") {
    afterCommit(async () => {
      if (result.blobKey) await createBlobStore(getConfig().blob).delete(result.blobKey);
      redirect(`/o/${access.org.slug}/imports`);
    });
    return { ok: true, message: "Upload discarded and deleted." };
  }
  return { ok: true, message: "Cancelling: the import stops after its current batch." };
});

export const rollbackImportAction = orgAction("imports:manage", importId, async ({ id }, { access, tx }) => {
  await requestRollback(tx, { orgId: access.org.id, userId: access.userId }, id);
  return { ok: true, message: "Rollback started: contacts this import created or changed are being restored." };
});
