import { z } from "zod";
import { getConfig } from "@/lib/config";
import { openResultFile } from "@/lib/imports/service";
import { getServices } from "@/lib/services";
import { createBlobStore } from "@/lib/storage";
import { orgRoute } from "@/lib/tenancy/guards";
import { uuidSchema } from "@/lib/validation/ids";

export const dynamic = "force-dynamic";

/** Admins download an import's result file (row, outcome, contact id, column, reason), decrypted as it streams; each download is recorded. */
export const GET = orgRoute(
  "imports:manage",
  async (_request, { access, params, requestId }) => {
    const { db } = await getServices();
    const stream = await openResultFile(db, createBlobStore(getConfig().blob), { orgId: access.org.id, userId: access.userId }, params.id, requestId);
    return new Response(stream, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="import-${params.id.slice(0, 8)}-result.csv"`,
        "cache-control": "no-store",
      },
    });
  },
  { params: z.object({ id: uuidSchema }) },
);
