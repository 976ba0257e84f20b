import { z } from "zod";
import { ArchiveNotFoundError, readArchive, recordAuditEvent } from "@/lib/audit";
import { createOrgKeyArchiveSealer } from "@/lib/audit/sealers";
import { getAuthRuntime } from "@/lib/auth/runtime";
import { getConfig } from "@/lib/config";
import { problemResponse } from "@/lib/http/problem";
import { createBlobStore } from "@/lib/storage";
import { orgRoute } from "@/lib/tenancy/next";

export const dynamic = "force-dynamic";

/** Owners download an archived stretch of the activity log, decrypted, as JSON lines; the download is itself recorded. */
export const GET = orgRoute("org:settings", async (request, { access, requestId }) => {
  const archiveId = z.uuid().safeParse(new URL(request.url).pathname.split("/").at(-1));
  if (!archiveId.success) return problemResponse({ status: 404, title: "Not found", requestId });
  const { db } = await getAuthRuntime();
  try {
    const { jsonl } = await readArchive(db, createBlobStore(getConfig().blob), createOrgKeyArchiveSealer(db), { orgId: access.org.id, archiveId: archiveId.data });
    await access.run((tx) =>
      recordAuditEvent(tx, {
        orgId: access.org.id,
        actor: { kind: access.role === "support" ? "staff" : "member", id: access.userId },
        action: "audit.archive_downloaded",
        target: { type: "audit_archive", id: archiveId.data },
        requestId,
      }),
    );
    return new Response(Buffer.from(jsonl), {
      headers: {
        "content-type": "application/x-ndjson",
        "content-disposition": `attachment; filename="activity-${access.org.slug}-${archiveId.data}.jsonl"`,
        "cache-control": "no-store",
      },
    });
  } catch (err) {
    if (err instanceof ArchiveNotFoundError) return problemResponse({ status: 404, title: "Not found", requestId });
    throw err;
  }
});
