import { downloadArchive } from "@/lib/audit";
import { createOrgKeyArchiveSealer } from "@/lib/audit/sealers";
import { getServices } from "@/lib/services";
import { getConfig } from "@/lib/config";
import { createBlobStore } from "@/lib/storage";
import { orgRoute } from "@/lib/tenancy/guards";
import { uuidSchema } from "@/lib/validation/ids";
import { z } from "zod";

export const dynamic = "force-dynamic";

/** Owners download an archived stretch of the activity log, decrypted, as JSON lines; the download is itself recorded. */
export const GET = orgRoute(
  "org:settings",
  async (_request, { access, params, requestId }) => {
    const { db } = await getServices();
    const actor = { kind: access.role === "support" ? ("staff" as const) : ("member" as const), id: access.userId };
    const { jsonl } = await downloadArchive(db, createBlobStore(getConfig().blob), createOrgKeyArchiveSealer(db), { orgId: access.org.id, userId: access.userId, actor, requestId }, params.archive);
    return new Response(Buffer.from(jsonl), {
      headers: {
        "content-type": "application/x-ndjson",
        "content-disposition": `attachment; filename="activity-${access.org.slug}-${params.archive}.jsonl"`,
        "cache-control": "no-store",
      },
    });
  },
  { params: z.object({ archive: uuidSchema }) },
);
