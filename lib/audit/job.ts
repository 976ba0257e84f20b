import "server-only";
import type { JobHandler } from "@/lib/jobs/runner";
import type { BlobStore } from "@/lib/storage/blob-store";
import { archiveExpiredEvents } from "./retention";
import { createOrgKeyArchiveSealer } from "./sealers";

export { AUDIT_ARCHIVE_JOB } from "./retention";

/** Job handler for AUDIT_ARCHIVE_JOB: archives one organisation's expired events (safe to run again after a crash). */
export function auditArchiveJobHandler(store: BlobStore): JobHandler {
  return async (job, ctx) => {
    await archiveExpiredEvents(ctx.db, store, createOrgKeyArchiveSealer(ctx.db), { orgId: job.orgId });
  };
}
