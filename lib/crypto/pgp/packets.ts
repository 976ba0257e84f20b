import { PgpFormatError } from "./errors";

/**
 * OpenPGP packet framing (RFC 9580 section 4): new-format headers, body lengths (definite and
 * partial), and the two packets carried inside an encrypted message: literal data and padding.
 */
export const TAG_SEIPD = 18;
export const TAG_LITERAL = 11;
const TAG_PADDING = 21;
const LITERAL_BINARY = 0x62; // 'b'

/** New-format packet length octets for a body of `length` bytes. */
export function lengthOctets(length: number): Buffer {
  if (length < 192) return Buffer.from([length]);
  if (length < 8384) {
    const l = length - 192;
    return Buffer.from([(l >> 8) + 192, l & 0xff]);
  }
  const b = Buffer.alloc(5);
  b[0] = 0xff;
  b.writeUInt32BE(length, 1);
  return b;
}

/** A whole new-format packet with a definite length. */
export function packet(tag: number, ...body: Buffer[]): Buffer {
  const length = body.reduce((n, p) => n + p.length, 0);
  return Buffer.concat([Buffer.from([0xc0 | tag]), lengthOctets(length), ...body]);
}

/** The literal data body before the data: binary format, the file name, date 0 (no timestamp leaks). */
export function literalHeader(filename: Uint8Array): Buffer {
  if (filename.length > 255) throw new PgpFormatError("a literal data file name is at most 255 bytes");
  const head = Buffer.alloc(2 + filename.length + 4);
  head[0] = LITERAL_BINARY;
  head[1] = filename.length;
  head.set(filename, 2);
  return head;
}

type PacketHeader = { tag: number; length: number; partial: boolean; headerLength: number };
export type BodyLength = { length: number; partial: boolean; octets: number };

/** Reads a new-format packet header at `offset`; returns null when more bytes are needed. */
function readPacketHeader(bytes: Uint8Array, offset: number): PacketHeader | null {
  if (offset >= bytes.length) return null;
  const first = bytes[offset]!;
  if ((first & 0xc0) !== 0xc0) throw new PgpFormatError("not a new-format OpenPGP packet");
  const tag = first & 0x3f;
  const l = readBodyLength(bytes, offset + 1);
  return l && { tag, length: l.length, partial: l.partial, headerLength: 1 + l.octets };
}

/** How many octets the body length starting with `first` takes. */
export function bodyLengthOctets(first: number): number {
  return first < 192 ? 1 : first < 224 ? 2 : first < 255 ? 1 : 5;
}

/** Reads body length octets at `at`; returns null when more bytes are needed. */
export function readBodyLength(bytes: Uint8Array, at: number): BodyLength | null {
  if (at >= bytes.length) return null;
  const o = bytes[at]!;
  if (o < 192) return { length: o, partial: false, octets: 1 };
  if (o < 224) {
    if (at + 1 >= bytes.length) return null;
    return { length: ((o - 192) << 8) + bytes[at + 1]! + 192, partial: false, octets: 2 };
  }
  if (o < 255) return { length: 2 ** (o & 0x1f), partial: true, octets: 1 };
  if (at + 4 >= bytes.length) return null;
  return { length: Buffer.from(bytes.buffer, bytes.byteOffset + at + 1, 4).readUInt32BE(0), partial: false, octets: 5 };
}

/** The body of the packet at `offset` (partial parts joined) and where the packet ends. */
export function readWholePacket(bytes: Buffer, offset: number, expectTag: number, what: string): { body: Buffer; end: number } {
  const first = readPacketHeader(bytes, offset);
  if (!first || first.tag !== expectTag) throw new PgpFormatError(`expected ${what}`);
  let at = offset + first.headerLength;
  let l: { length: number; partial: boolean } = first;
  const parts: Buffer[] = [];
  for (;;) {
    if (at + l.length > bytes.length) throw new PgpFormatError("the message is truncated");
    parts.push(bytes.subarray(at, at + l.length));
    at += l.length;
    if (!l.partial) break;
    const next = readBodyLength(bytes, at);
    if (!next) throw new PgpFormatError("the message is truncated");
    at += next.octets;
    l = next;
  }
  return { body: parts.length === 1 ? parts[0]! : Buffer.concat(parts), end: at };
}

/** The file name and data of the literal data packet that `packets` must consist of (optionally padded). */
export function parseLiteral(packets: Buffer): { filename: Buffer; data: Buffer } {
  const { body, end } = readWholePacket(packets, 0, TAG_LITERAL, "one literal data packet");
  assertOnlyPadding(packets, end);
  if (body.length < 6 || 2 + body[1]! + 4 > body.length) throw new PgpFormatError("the literal data packet is truncated");
  const nameLength = body[1]!;
  return { filename: body.subarray(2, 2 + nameLength), data: body.subarray(2 + nameLength + 4) };
}

/** After the literal packet an optionally padded message may carry one padding packet, nothing else. */
export function assertOnlyPadding(packets: Buffer, offset: number): void {
  if (offset === packets.length) return;
  const p = readPacketHeader(packets, offset);
  if (!p || p.tag !== TAG_PADDING || p.partial || offset + p.headerLength + p.length !== packets.length)
    throw new PgpFormatError("unexpected data after the literal data packet");
}
