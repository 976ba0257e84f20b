import type { types as PgliteTypes } from "@electric-sql/pglite";
import { asBuffer } from "@/lib/bytes";

/**
 * PGlite's codecs where its own cost more than the work they carry:
 * - bytea: PGlite's own codec turns every byte into a parseInt (reading) or a padded string (writing): ≈19 µs for a
 *   140-byte sealed field, more than decrypting it, and ≈10 ms of a decrypted 100-row contacts page. This one does the
 *   hex conversion in node's Buffer and hands back a Buffer, as node-postgres does. It also reads the escape output
 *   format (bytea_output = escape), which PGlite's parser misreads as hex.
 * - jsonb parameters: PGlite measures a text parameter's UTF-8 length character by character in JavaScript, twice,
 *   before copying it; for the one-parameter bulk writes (lib/db/bulk.ts: a 1,000-row batch is a JSON text of
 *   ≈1.5 MB) that was ≈25 µs per imported row. A long one is sent in jsonb's binary form instead (a version byte, 1,
 *   then the same UTF-8 text), encoded by node's Buffer; the server parses the same text either way.
 * Takes PGlite's `types` so that PGlite loads only where it is used.
 */
export function pgliteCodecs(types: typeof PgliteTypes) {
  const parse = (text: string): Buffer => {
    if (text.startsWith("\\x")) {
      const bytes = Buffer.from(text.substring(2), "hex");
      if (bytes.length * 2 !== text.length - 2) throw new TypeError("malformed bytea hex text");
      return bytes;
    }
    return parseEscaped(text);
  };
  const serialize = (value: unknown): string => {
    if (!(value instanceof Uint8Array)) throw new TypeError("Invalid input for bytea type");
    return "\\x" + asBuffer(value).toString("hex");
  };
  const jsonb = (value: unknown): string | Uint8Array => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    if (text.length < JSONB_BINARY_FROM) return text;
    const bytes = Buffer.allocUnsafe(1 + Buffer.byteLength(text));
    bytes[0] = JSONB_BINARY_VERSION;
    bytes.write(text, 1);
    return bytes;
  };
  return {
    parsers: { [types.BYTEA]: parse },
    // PGlite's serializer type says string; a Uint8Array is sent as the parameter's binary form (format code 1).
    serializers: { [types.BYTEA]: serialize, [types.JSONB]: jsonb as (v: unknown) => string },
  };
}

/** Shorter jsonb parameters stay text: measuring them costs less than a buffer. */
export const JSONB_BINARY_FROM = 4096;
const JSONB_BINARY_VERSION = 1;
const OCTAL = /^[0-3][0-7]{2}$/;

/** The escape format: `\\` is a backslash, `\ooo` an octal byte, anything else the byte of its (ASCII) character. */
function parseEscaped(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "\\") {
      out.push(text.charCodeAt(i) & 0xff);
    } else if (text[i + 1] === "\\") {
      out.push(0x5c);
      i++;
    } else if (OCTAL.test(text.substring(i + 1, i + 4))) {
      out.push(parseInt(text.substring(i + 1, i + 4), 8));
      i += 3;
    } else {
      throw new TypeError("malformed bytea escape text");
    }
  }
  return Buffer.from(out);
}
