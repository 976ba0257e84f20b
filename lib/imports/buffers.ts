import { asBuffer } from "@/lib/bytes";

/**
 * Every byte array of a record, and of its arrays, made a Buffer again over the same memory (other values as they
 * are): structured clone hands a Buffer that crossed a thread back as a plain Uint8Array, and the sealing and lookup
 * code uses Buffer methods (toString, equals).
 */
export function rebufferFields<T extends object>(record: T): T {
  const out = { ...record } as Record<string, unknown>;
  for (const [key, value] of Object.entries(out)) {
    if (value instanceof Uint8Array) out[key] = asBuffer(value);
    else if (Array.isArray(value) && value.some((v) => v instanceof Uint8Array)) out[key] = value.map((v: unknown) => (v instanceof Uint8Array ? asBuffer(v) : v));
  }
  return out as T;
}
