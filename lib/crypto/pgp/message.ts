import "server-only";
import { PgpFormatError } from "./errors";
import { TAG_LITERAL, TAG_SEIPD, literalHeader, packet, parseLiteral, readWholePacket } from "./packets";
import { DEFAULT_CHUNK_SIZE_BYTE, SEIPD_HEADER_LENGTH, TAG_LENGTH, checkFinalTag, finalTag, newSeipdHeader, openChunk, readSeipdHeader, sealChunk } from "./seipd";

/**
 * Whole OpenPGP messages held in memory (sealed fields, audit archives): one SEIPD v2 packet with
 * definite lengths around one literal data packet, the session key supplied by the caller. Written
 * on node:crypto because openpgp.js costs ~20x more per field (docs/crypto-packets.md); the tests
 * check both directions against openpgp.js and RFC 9580's sample message.
 */

/** Encrypts `data` as one message whose literal packet is named `filename`. */
export function encryptMessage(sessionKey: Uint8Array, data: Uint8Array, filename: Uint8Array, chunkSizeByte = DEFAULT_CHUNK_SIZE_BYTE): Buffer {
  const literal = packet(TAG_LITERAL, literalHeader(filename), Buffer.from(data.buffer, data.byteOffset, data.length));
  const { header, keys } = newSeipdHeader(sessionKey, chunkSizeByte);
  const parts: Buffer[] = [header];
  let index = 0;
  for (let offset = 0; offset < literal.length; offset += keys.chunkSize, index++) {
    parts.push(...sealChunk(keys, index, [literal.subarray(offset, offset + keys.chunkSize)]));
  }
  parts.push(finalTag(keys, index, literal.length));
  return packet(TAG_SEIPD, ...parts);
}

/** Opens a whole message: its literal packet's file name and data, once every chunk and the final tag verified. */
export function decryptMessage(sessionKey: Uint8Array, message: Uint8Array): { filename: Buffer; data: Buffer } {
  const bytes = Buffer.from(message.buffer, message.byteOffset, message.length);
  const { body, end } = readWholePacket(bytes, 0, TAG_SEIPD, "one SEIPD packet");
  if (end !== bytes.length) throw new PgpFormatError("unexpected data after the message");
  if (body.length < SEIPD_HEADER_LENGTH + 2 * TAG_LENGTH) throw new PgpFormatError("the message is truncated");
  const keys = readSeipdHeader(sessionKey, body);
  const sealed = body.subarray(SEIPD_HEADER_LENGTH, body.length - TAG_LENGTH);
  const sealedChunk = keys.chunkSize + TAG_LENGTH;
  const plain: Buffer[] = [];
  let index = 0;
  let total = 0;
  for (let offset = 0; offset < sealed.length || index === 0; offset += sealedChunk, index++) {
    const stop = Math.min(offset + sealedChunk, sealed.length);
    if (stop - offset < TAG_LENGTH) throw new PgpFormatError("the message is truncated");
    const [opened] = openChunk(keys, index, [sealed.subarray(offset, stop - TAG_LENGTH)], sealed.subarray(stop - TAG_LENGTH, stop));
    plain.push(opened!);
    total += stop - offset - TAG_LENGTH;
  }
  checkFinalTag(keys, index, total, body.subarray(body.length - TAG_LENGTH));
  return parseLiteral(plain.length === 1 ? plain[0]! : Buffer.concat(plain));
}
