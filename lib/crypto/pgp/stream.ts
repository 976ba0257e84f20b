import "server-only";
import { ByteQueue } from "./byte-queue";
import { PgpFormatError } from "./errors";
import { TAG_LITERAL, TAG_SEIPD, assertOnlyPadding, bodyLengthOctets, lengthOctets, literalHeader, readBodyLength } from "./packets";
import { DEFAULT_CHUNK_SIZE_BYTE, SEIPD_HEADER_LENGTH, TAG_LENGTH, checkFinalTag, finalTag, newSeipdHeader, openChunk, readSeipdHeader, sealChunk } from "./seipd";

/**
 * Streamed OpenPGP messages (encrypted files): the same SEIPD v2 packet as a whole message, framed
 * with partial body lengths, encrypted and decrypted chunk by chunk as the consumer pulls, so no
 * file is ever held whole and no plaintext leaves before its chunk's tag verified.
 */

/** Bytes tolerated after a streamed packet (room for a padding packet), so a bad blob cannot fill memory. */
const MAX_TRAILER = 64 * 1024;
/** Partial body parts written for streams: 2^16 bytes each. */
const STREAM_PART_POWER = 16;

/** Frames a byte stream as one packet body with 2^16-byte partial parts and a definite last part (views, no copies). */
async function* framePacket(tag: number, body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const part = 2 ** STREAM_PART_POWER;
  const queue = new ByteQueue();
  let first = true;
  for await (const chunk of body) {
    queue.push(chunk);
    while (queue.length > part) {
      yield first ? Buffer.from([0xc0 | tag, 224 + STREAM_PART_POWER]) : Buffer.from([224 + STREAM_PART_POWER]);
      first = false;
      yield* queue.takeParts(part);
    }
  }
  const rest = queue.length;
  yield Buffer.concat([first ? Buffer.from([0xc0 | tag]) : Buffer.alloc(0), lengthOctets(rest)]);
  yield* queue.takeParts(rest);
}

async function* literalBody(filename: Uint8Array, source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield literalHeader(filename);
  yield* source;
}

async function* sealStream(sessionKey: Uint8Array, chunkSizeByte: number, plaintext: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const { header, keys } = newSeipdHeader(sessionKey, chunkSizeByte);
  yield header;
  const queue = new ByteQueue();
  let index = 0;
  let total = 0;
  for await (const chunk of plaintext) {
    queue.push(chunk);
    while (queue.length >= keys.chunkSize) {
      yield* sealChunk(keys, index++, queue.takeParts(keys.chunkSize));
      total += keys.chunkSize;
    }
  }
  if (queue.length > 0 || index === 0) {
    total += queue.length;
    yield* sealChunk(keys, index++, queue.takeParts(queue.length));
  }
  yield finalTag(keys, index, total);
}

/** Streaming encryption: reads `source` only as fast as the returned stream is consumed. */
export function encryptStream(
  sessionKey: Uint8Array,
  source: ReadableStream<Uint8Array>,
  filename: Uint8Array,
  chunkSizeByte = DEFAULT_CHUNK_SIZE_BYTE,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const literal = framePacket(TAG_LITERAL, literalBody(filename, iterate(reader)));
  return toStream(framePacket(TAG_SEIPD, sealStream(sessionKey, chunkSizeByte, literal)), reader);
}

/** Body bytes of the packet in `source`, checking its tag; partial parts are followed across. What follows is left in `rest`. */
async function* packetBodies(source: AsyncIterable<Uint8Array>, expectTag: number, rest: ByteQueue): AsyncGenerator<Uint8Array> {
  const queue = rest;
  const it = source[Symbol.asyncIterator]();
  const fill = async (n: number): Promise<boolean> => {
    while (queue.length < n) {
      const r = await it.next();
      if (r.done) return false;
      queue.push(r.value);
    }
    return true;
  };
  if (!(await fill(2))) throw new PgpFormatError("the message is truncated");
  const first = queue.take(1)[0]!;
  if ((first & 0xc0) !== 0xc0 || (first & 0x3f) !== expectTag) throw new PgpFormatError("unexpected OpenPGP packet");
  for (;;) {
    if (!(await fill(1))) throw new PgpFormatError("the message is truncated");
    const octets = bodyLengthOctets(queue.peek(1)[0]!);
    if (!(await fill(octets))) throw new PgpFormatError("the message is truncated");
    const l = readBodyLength(queue.take(octets), 0)!;
    let left = l.length;
    while (left > 0) {
      if (!(await fill(1))) throw new PgpFormatError("the message is truncated");
      const piece = queue.take(Math.min(left, queue.length));
      left -= piece.length;
      yield piece;
    }
    if (!l.partial) break;
  }
  // Whatever follows the packet stays in `rest` for the caller to judge (a padding packet at most).
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    queue.push(r.value);
    if (queue.length > MAX_TRAILER) throw new PgpFormatError("unexpected data after the packet");
  }
}

async function* openStream(sessionKey: Uint8Array, body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const queue = new ByteQueue();
  const it = body[Symbol.asyncIterator]();
  let ended = false;
  const fill = async (n: number) => {
    while (!ended && queue.length < n) {
      const r = await it.next();
      if (r.done) ended = true;
      else queue.push(r.value);
    }
  };
  await fill(SEIPD_HEADER_LENGTH);
  if (queue.length < SEIPD_HEADER_LENGTH) throw new PgpFormatError("the message is truncated");
  const keys = readSeipdHeader(sessionKey, queue.take(SEIPD_HEADER_LENGTH));
  const { chunkSize } = keys;
  let index = 0;
  let total = 0;
  for (;;) {
    // A full chunk is only known not to be the last once more than its tag and the final tag follow.
    await fill(chunkSize + 2 * TAG_LENGTH + 1);
    if (queue.length > chunkSize + 2 * TAG_LENGTH) {
      const plain = openChunk(keys, index++, queue.takeParts(chunkSize), queue.take(TAG_LENGTH));
      total += chunkSize;
      yield* plain;
      continue;
    }
    const lastLength = queue.length - 2 * TAG_LENGTH;
    if (lastLength > 0 || (lastLength === 0 && index === 0)) {
      const plain = openChunk(keys, index++, queue.takeParts(lastLength), queue.take(TAG_LENGTH));
      total += lastLength;
      checkFinalTag(keys, index, total, queue.take(TAG_LENGTH));
      yield* plain;
    } else if (queue.length === TAG_LENGTH && index > 0) {
      checkFinalTag(keys, index, total, queue.take(TAG_LENGTH));
    } else {
      throw new PgpFormatError("the message is truncated");
    }
    return;
  }
}

/** Streaming decryption: yields only authenticated chunks; a cut or modified message errors the stream. */
export function decryptStream(sessionKey: Uint8Array, source: ReadableStream<Uint8Array>, expectFilename: Uint8Array): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  async function* run(): AsyncGenerator<Uint8Array> {
    const outerRest = new ByteQueue();
    const plaintext = openStream(sessionKey, packetBodies(iterate(reader), TAG_SEIPD, outerRest));
    const literalRest = new ByteQueue();
    const literal = packetBodies(plaintext, TAG_LITERAL, literalRest);
    const headQueue = new ByteQueue();
    let headerDone = false;
    for await (const piece of literal) {
      if (headerDone) {
        yield piece;
        continue;
      }
      headQueue.push(piece);
      if (headQueue.length < 2) continue;
      const nameLength = headQueue.peek(2)[1]!;
      if (headQueue.length < 2 + nameLength + 4) continue;
      const head = headQueue.take(2 + nameLength + 4);
      if (!head.subarray(2, 2 + nameLength).equals(Buffer.from(expectFilename))) throw new PgpFormatError("the file belongs to another place");
      headerDone = true;
      if (headQueue.length) yield headQueue.take(headQueue.length);
    }
    if (!headerDone) throw new PgpFormatError("the literal data packet is truncated");
    if (outerRest.length) throw new PgpFormatError("unexpected data after the message");
    if (literalRest.length) assertOnlyPadding(literalRest.take(literalRest.length), 0);
  }
  return toStream(run(), reader);
}

async function* iterate(reader: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (!(value instanceof Uint8Array)) throw new TypeError("stream chunks must be Uint8Array");
    yield value;
  }
}

/** A pull-driven stream over a generator: nothing is read ahead of the consumer beyond one chunk. */
function toStream(gen: AsyncGenerator<Uint8Array>, source: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const r = await gen.next();
          if (r.done) controller.close();
          else controller.enqueue(r.value);
        } catch (err) {
          controller.error(err);
          await source.cancel(err).catch(() => undefined);
        }
      },
      async cancel(reason) {
        await source.cancel(reason).catch(() => undefined);
        await gen.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
