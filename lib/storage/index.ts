import "server-only";
import type { BlobBackend } from "@/lib/config";
import type { BlobStore } from "./blob-store";
import { createLocalBlobStore } from "./local";
import { createVercelBlobStore } from "./vercel";

export type { BlobStore } from "./blob-store";
export { BlobKeyError, assertBlobKey } from "./keys";
export { createLocalBlobStore } from "./local";
export { createVercelBlobStore } from "./vercel";

/** The store for the configured backend: files under `.data/blobs/`, or Vercel Blob. */
export function createBlobStore(backend: BlobBackend): BlobStore {
  return backend.kind === "local" ? createLocalBlobStore(backend.dir) : createVercelBlobStore(backend.token);
}
