/**
 * Bytes as a Buffer over the same memory (no copy): a plain Uint8Array comes back from a thread or a driver where
 * Buffer methods (toString, equals) are wanted.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
