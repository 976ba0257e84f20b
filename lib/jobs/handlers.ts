import "server-only";
import { AUDIT_ARCHIVE_JOB, auditArchiveJobHandler } from "@/lib/audit/job";
import { BACKUP_JOB, backupJobHandler } from "@/lib/backup/job";
import { PACK_SEALED_ROWS_JOB, packSealedRowsHandler } from "@/lib/crypto/pack";
import { ROTATE_DATA_KEY_JOB, rotateDataKeyHandler } from "@/lib/crypto/rotation";
import { getConfig } from "@/lib/config";
import { importJobHandlers } from "@/lib/imports/jobs";
import { PUSH_JOB } from "@/lib/integrations/service";
import { pushJobHandler } from "@/lib/integrations/push";
import type { BlobStore } from "@/lib/storage/blob-store";
import type { JobHandler } from "./runner";

/**
 * Every job kind this app runs, for startJobRunner / runJobsUntilIdle: a runner claims only kinds listed here.
 * `longLived`: a server or worker process that keeps running (its backup's restore test goes to a child process).
 */
export function jobHandlers(deps: { store: BlobStore; longLived?: boolean }): Record<string, JobHandler> {
  return {
    [ROTATE_DATA_KEY_JOB]: rotateDataKeyHandler(deps.store),
    [PACK_SEALED_ROWS_JOB]: packSealedRowsHandler(),
    [AUDIT_ARCHIVE_JOB]: auditArchiveJobHandler(deps.store),
    [BACKUP_JOB]: backupJobHandler(undefined, { restoreTestInChild: deps.longLived ?? false }),
    ...importJobHandlers(deps.store),
    [PUSH_JOB]: pushJobHandler(() => getConfig().integrations),
  };
}
