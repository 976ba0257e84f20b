import "server-only";

export {
  auditActions,
  auditActionDefinitions,
  auditCategories,
  auditCategoryLabels,
  auditTargetTypes,
  auditActionsIn,
  auditCategoryOf,
  isAuditAction,
  type AuditAction,
  type AuditCategory,
  type AuditMetadata,
  type AuditMetadataInput,
  type AuditTargetType,
} from "./actions";
export { recordAuditEvent, prepareAuditEvent, AuditEventError, type AuditActor, type AuditTarget, type AuditEventInput, type RecordedAuditEvent } from "./record";
export { AuditMetadataError, personalDataIn } from "./metadata";
export { describeEvent, type DescribableEvent, type NameResolver } from "./describe";
export {
  listActivity,
  listActivityIn,
  listAccountActivity,
  encodeCursor,
  decodeCursor,
  ActivityQueryError,
  FEED_PAGE_SIZE,
  FEED_MAX_PAGE_SIZE,
  type ActivityEvent,
  type ActivityPage,
  type ActivityQuery,
  type FeedViewer,
} from "./feed";
export { loadActivityFeed, loadActivityFeedIn, loadAccountActivityFeed, visibleMemberNames, toFeedItems, type FeedItem, type FeedPage } from "./activity";
export { verifyAuditChains, describeBrokenLink, type VerifyReport, type ChainReport, type BrokenLink, type ChainProblem } from "./verify";
export {
  archiveExpiredEvents,
  archiveAllExpiredEvents,
  AUDIT_ARCHIVE_JOB,
  type RetentionSweep,
  auditRetentionDays,
  auditRetentionDaysSchema,
  AUDIT_RETENTION_DAYS,
  AUDIT_RETENTION_SETTING,
  type ArchiveRun,
} from "./retention";
export { readArchive, downloadArchive, listArchives, ArchiveUnreadableError, ArchiveNotFoundError, type ArchiveSealer, type ArchiveLocation, type StoredArchive } from "./archive";
export { createOrgKeyArchiveSealer } from "./sealers";
export { withAuditSystemScope } from "./scope";
