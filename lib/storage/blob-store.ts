/** Where files live. Only ciphertext is handed to a store: encryption streams in front of it. */
export interface BlobStore {
  /** Writes the whole blob or nothing; an existing blob under `key` is replaced. */
  put(key: string, data: Uint8Array | ReadableStream<Uint8Array>): Promise<{ key: string; size: number }>;
  /** The blob's bytes, or null when there is no blob under `key`. */
  get(key: string): Promise<ReadableStream<Uint8Array> | null>;
  exists(key: string): Promise<boolean>;
  /** Removes the blob; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix` (plain string prefix), sorted. */
  list(prefix: string): Promise<string[]>;
}
