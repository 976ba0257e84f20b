export { BACKUP_JOB, backupJobHandler, enqueueBackupJob, scheduleDailyBackup } from "./job";
export { backupEnvironment, backupNow, backupStore, runBackupCycle, verifyBackup, type BackupEnvironment } from "./run";
export { backupHealth, lastRestoreTest, readBackupStatus, BACKUP_MAX_AGE_HOURS, type BackupHealth, type BackupStatus } from "./status";
export { restoreBackup, checkBackup, type RestoreReport, type RestoreTarget } from "./restore";
export { listBackupIds, applyRetention } from "./backup";
export { BackupKeyError, BackupTargetError, RestoreRefusedError, RestoreVerificationError } from "./errors";
export { loadBackupKey } from "./key";
