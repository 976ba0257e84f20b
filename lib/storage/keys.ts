/** Thrown for a blob key or prefix that could escape the store or mean different things on different backends. */
export class BlobKeyError extends Error {
  constructor(reason: string) {
    super(`Invalid blob key: ${reason}`);
    this.name = "BlobKeyError";
  }
}

export const MAX_BLOB_KEY_LENGTH = 512;
const MAX_SEGMENT_LENGTH = 255; // a file name on common filesystems

/**
 * Keys are `/`-separated segments of letters, digits, `_`, `.` and `-`, e.g. `org/<id>/imports/<id>.pgp`.
 * A segment may not start with `.`: that rules out `.` and `..`, and leaves dot-names to the store's own temp files.
 */
export function assertBlobKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) throw new BlobKeyError("it is empty");
  if (key.length > MAX_BLOB_KEY_LENGTH) throw new BlobKeyError(`it is longer than ${MAX_BLOB_KEY_LENGTH} characters`);
  if (key.includes("\\")) throw new BlobKeyError("it contains a backslash; separate segments with '/'");
  if (key.startsWith("/")) throw new BlobKeyError("it is an absolute path; keys are relative, like 'org/123/file.pgp'");
  for (const segment of key.split("/")) {
    if (segment === "") throw new BlobKeyError("it has an empty segment ('//' or a trailing '/')");
    if (segment === "." || segment === "..") throw new BlobKeyError(`it contains a '${segment}' segment`);
    if (segment.startsWith(".")) throw new BlobKeyError("a segment starts with '.'");
    if (segment.length > MAX_SEGMENT_LENGTH) throw new BlobKeyError(`a segment is longer than ${MAX_SEGMENT_LENGTH} characters`);
    if (!/^[A-Za-z0-9_.-]+$/.test(segment)) throw new BlobKeyError("only letters, digits, '/', '_', '.' and '-' are allowed");
  }
}

/** A prefix is empty, a key, or a key followed by '/'. */
export function assertBlobPrefix(prefix: string): void {
  if (prefix === "") return;
  assertBlobKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
}
