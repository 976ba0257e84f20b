import { RuleError } from "@/lib/errors";

/** The backup key could not be had: nothing was written. */
export class BackupKeyError extends RuleError {
  constructor(message: string) {
    super(message);
    this.name = "BackupKeyError";
  }
}

/** A restore refused before touching its target (damaged backup, target not empty, wrong version). */
export class RestoreRefusedError extends RuleError {
  constructor(message: string) {
    super(message, { status: 409 });
    this.name = "RestoreRefusedError";
  }
}

/** A restored database did not match its manifest, or its audit chains or sealed fields did not verify. */
export class RestoreVerificationError extends Error {
  constructor(readonly problems: string[]) {
    super(`The restored database did not verify: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ""}`);
    this.name = "RestoreVerificationError";
  }
}

/** The backup store refused the write (unwritable directory, bucket down): nothing was kept. */
export class BackupTargetError extends Error {
  constructor(cause: unknown) {
    super(`The backup target could not be written (${cause instanceof Error ? cause.message : String(cause)}); no backup was kept.`, { cause });
    this.name = "BackupTargetError";
  }
}
