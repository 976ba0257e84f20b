import "server-only";
import { BlobNotFoundError, del, get, head, list, put } from "@vercel/blob";
import type { BlobStore } from "./blob-store";
import { assertBlobKey, assertBlobPrefix } from "./keys";

function countingStream(source: ReadableStream<Uint8Array>, count: (bytes: number) => void): ReadableStream<Uint8Array> {
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        count(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
}

/** Vercel Blob: private blobs at exactly the key's pathname, overwritten in place. */
export function createVercelBlobStore(token: string): BlobStore {
  return {
    async put(key, data) {
      assertBlobKey(key);
      let size = 0;
      const body =
        data instanceof Uint8Array ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : countingStream(data, (n) => (size += n));
      await put(key, body, {
        token,
        access: "private",
        addRandomSuffix: false,
        allowOverwrite: true,
        contentType: "application/octet-stream",
      });
      return { key, size: data instanceof Uint8Array ? data.byteLength : size };
    },

    async get(key) {
      assertBlobKey(key);
      // Not from the CDN cache: a blob overwritten a moment ago must not be read stale.
      const result = await get(key, { token, access: "private", useCache: false });
      return result?.statusCode === 200 ? result.stream : null;
    },

    async exists(key) {
      assertBlobKey(key);
      try {
        await head(key, { token });
        return true;
      } catch (err) {
        if (err instanceof BlobNotFoundError) return false;
        throw err;
      }
    },

    async delete(key) {
      assertBlobKey(key);
      await del(key, { token });
    },

    async list(prefix) {
      assertBlobPrefix(prefix);
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await list({ token, prefix, cursor, limit: 1000 });
        keys.push(...page.blobs.map((b) => b.pathname));
        cursor = page.hasMore ? page.cursor : undefined;
      } while (cursor);
      return keys.sort();
    },
  };
}
