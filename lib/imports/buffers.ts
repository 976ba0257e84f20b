/**
 * Byte arrays that crossed a thread (structured clone hands a Buffer back as a plain Uint8Array) made Buffers again,
 * over the same memory: the sealing and lookup code uses Buffer methods (toString, equals).
 */
export function rebuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Every byte array of a record, and of its arrays, made a Buffer again (other values as they are). */
export function rebufferFields<T extends object>(record: T): T {
  const out = { ...record } as Record<string, unknown>;
  for (const [key, value] of Object.entries(out)) {
    if (value instanceof Uint8Array) out[key] = rebuffer(value);
    else if (Array.isArray(value) && value.some((v) => v instanceof Uint8Array)) out[key] = value.map((v: unknown) => (v instanceof Uint8Array ? rebuffer(v) : v));
  }
  return out as T;
}
