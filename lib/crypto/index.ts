import "server-only";

/** Encryption at rest: the API the rest of the app uses (key hierarchy and guarantees in the README). */
export * from "./errors";
export { encryptField, decryptField, decryptFieldBytes, reencryptField, sealedKeyVersion, MAX_FIELD_BYTES, type FieldContext, type FieldPlace } from "./fields";
export { sealedTable, type ExportMode, type Opened, type SealedTable } from "./sealed";
export { blindIndex, blindIndexer, normalizeEmail, normalizePhone, NormalizationError, type BlindIndexKind, type PhoneOptions } from "./blind-index";
export { putEncryptedFile, openEncryptedFile, deleteEncryptedFile, FileNotFoundError, type StoredFile } from "./files";
export { startDataKeyRotation, getKeyRotationProgress, rotateDataKeyHandler, ROTATE_DATA_KEY_JOB, type KeyRotationProgress } from "./rotation";
export { rotateMasterKeys, type MasterRotationResult } from "./master-rotation";
export { shredOrganizationKeys, deleteOrganizationBlobs } from "./shred";
export { exportOrganizationForGpg, ExportPassphraseError, MIN_EXPORT_PASSPHRASE } from "./export";
export { listOrganizationKeys, KEY_CACHE_TTL_MS, type OrganizationKeyInfo } from "./data-keys";
export { createLocalMasterKeyProvider, masterKeyProvider, setMasterKeyProvider, type MasterKeyProvider } from "./keyring";
