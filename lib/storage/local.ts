import "server-only";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { BlobStore } from "./blob-store";
import { assertBlobKey, assertBlobPrefix } from "./keys";

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
const READ_CHUNK = 64 * 1024;

/** Errors that mean "nothing stored under this key" (a missing file, or a path through or onto a directory). */
const isAbsent = (err: unknown) => ["ENOENT", "ENOTDIR", "EISDIR"].includes((err as NodeJS.ErrnoException).code ?? "");

async function writeAll(file: fs.FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) offset += (await file.write(chunk, offset, chunk.byteLength - offset)).bytesWritten;
}

async function writeSource(file: fs.FileHandle, data: Uint8Array | ReadableStream<Uint8Array>): Promise<number> {
  if (data instanceof Uint8Array) {
    await writeAll(file, data);
    return data.byteLength;
  }
  const reader = data.getReader();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return size;
      if (!(value instanceof Uint8Array)) throw new TypeError("Blob stream chunks must be Uint8Array");
      await writeAll(file, value);
      size += value.byteLength;
    }
  } catch (err) {
    await reader.cancel(err).catch(() => undefined);
    throw err;
  } finally {
    reader.releaseLock();
  }
}

/** Makes a rename inside `dir` survive a crash. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function fileStream(file: fs.FileHandle): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = new Uint8Array(READ_CHUNK);
        const { bytesRead } = await file.read(chunk, 0, READ_CHUNK, null);
        if (bytesRead === 0) {
          await file.close();
          controller.close();
        } else {
          controller.enqueue(chunk.subarray(0, bytesRead));
        }
      } catch (err) {
        await file.close().catch(() => undefined);
        controller.error(err);
      }
    },
    cancel: () => file.close(),
  });
}

/**
 * Blobs as files under `dir` (`.data/blobs/` by default): owner-only permissions, and each write
 * goes to a temp file beside its target and is renamed into place, so a reader sees the old blob
 * or the whole new one, never a part. Temp names start with '.', which no key segment may.
 */
export function createLocalBlobStore(dir: string): BlobStore {
  const root = path.resolve(dir);
  const fileOf = (key: string) => {
    const file = path.join(root, ...key.split("/"));
    if (!file.startsWith(root + path.sep)) throw new Error("blob path escapes the store"); // unreachable after assertBlobKey
    return file;
  };

  async function collect(relDir: string, accept: (name: string) => boolean, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(path.join(root, relDir), { withFileTypes: true });
    } catch (err) {
      if (isAbsent(err)) return;
      throw err;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".") || !accept(entry.name)) continue;
      const key = relDir + entry.name;
      if (entry.isDirectory()) await collect(key + "/", () => true, out);
      else if (entry.isFile()) out.push(key);
    }
  }

  return {
    async put(key, data) {
      assertBlobKey(key);
      const target = fileOf(key);
      const dirOfTarget = path.dirname(target);
      await fs.mkdir(dirOfTarget, { recursive: true, mode: DIR_MODE });
      const temp = path.join(dirOfTarget, `.tmp-${randomUUID()}`);
      const file = await fs.open(temp, "wx", FILE_MODE);
      let open = true;
      try {
        const size = await writeSource(file, data);
        await file.sync();
        open = false;
        await file.close();
        await fs.rename(temp, target);
        await syncDirectory(dirOfTarget);
        return { key, size };
      } catch (err) {
        if (open) await file.close().catch(() => undefined);
        await fs.rm(temp, { force: true });
        throw err;
      }
    },

    async get(key) {
      assertBlobKey(key);
      let file: fs.FileHandle;
      try {
        file = await fs.open(fileOf(key), "r");
      } catch (err) {
        if (isAbsent(err)) return null;
        throw err;
      }
      if (!(await file.stat()).isFile()) {
        await file.close();
        return null;
      }
      return fileStream(file);
    },

    async exists(key) {
      assertBlobKey(key);
      try {
        return (await fs.stat(fileOf(key))).isFile();
      } catch (err) {
        if (isAbsent(err)) return false;
        throw err;
      }
    },

    async delete(key) {
      assertBlobKey(key);
      try {
        await fs.unlink(fileOf(key));
      } catch (err) {
        if (!isAbsent(err)) throw err;
      }
    },

    async list(prefix) {
      assertBlobPrefix(prefix);
      const cut = prefix.lastIndexOf("/") + 1;
      const dirPart = prefix.slice(0, cut);
      const namePart = prefix.slice(cut);
      const out: string[] = [];
      await collect(dirPart, (name) => name.startsWith(namePart), out);
      return out.sort();
    },
  };
}
