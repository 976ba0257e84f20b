import "server-only";
import { createHmac, hkdfSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Config } from "@/lib/config";
import { logger } from "@/lib/log";
import { BackupKeyError } from "./errors";

export function embeddedBackupKeyFile(config: Config): string {
  return path.join(config.dataDir, "keys", "backup-key");
}

/**
 * The key that encrypts backups, kept apart from the master keys so that a leaked backup and a
 * leaked master key are two separate failures. Embedded mode generates it (mode 0600) beside the
 * master keys; with DATABASE_URL it must come from RAMPART_BACKUP_KEY.
 */
export function loadBackupKey(config: Config): Buffer {
  if (config.backup.key) return config.backup.key;
  if (!config.embedded) {
    throw new BackupKeyError(
      "Backups need RAMPART_BACKUP_KEY (32 random bytes in base64: openssl rand -base64 32) with DATABASE_URL; store it apart from the master keys. Nothing was backed up.",
    );
  }
  const file = embeddedBackupKeyFile(config);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
      logger.warn({ file }, "GENERATED BACKUP KEY: copy it somewhere safe apart from the backups; without it no backup can be restored");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  const key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
  if (key.length !== 32) throw new BackupKeyError(`The backup key file ${file} is damaged (it must hold 32 bytes in base64)`);
  return key;
}

/** A public fingerprint of the backup key, recorded in each manifest so the right key can be found. */
export function backupKeyId(key: Buffer): string {
  return createHmac("sha256", key).update("rampart/backup-key-id/v1").digest("hex").slice(0, 16);
}

/** One purpose, one key: the stream key of a backup, its manifest MAC key and the campaign escrow wrapping key never share bytes. */
export function backupSubkey(key: Buffer, purpose: "stream" | "manifest" | "escrow", salt: string): Buffer {
  return Buffer.from(hkdfSync("sha256", key, salt, `rampart/backup/${purpose}/v1`, 32));
}
