import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PgpAuthError } from "./errors";
import { decryptMessage, encryptMessage } from "./message";
import { TAG_SEIPD, packet, readWholePacket } from "./packets";
import { SEIPD_HEADER_LENGTH, TAG_LENGTH } from "./seipd";
import { decryptStream } from "./stream";

/** Chunk size byte 0: 64-byte chunks, so a 300-byte value spans five chunks (four full, one short). */
const CHUNK_SIZE_BYTE = 0;
const SEALED_CHUNK = 64 + TAG_LENGTH;
const key = randomBytes(32);
const name = Buffer.from("place-name");
const data = randomBytes(300);

type Parts = { header: Buffer; chunks: Buffer[]; final: Buffer };

function split(message: Buffer): Parts {
  const { body } = readWholePacket(message, 0, TAG_SEIPD, "SEIPD");
  const sealed = body.subarray(SEIPD_HEADER_LENGTH, body.length - TAG_LENGTH);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < sealed.length; offset += SEALED_CHUNK) chunks.push(sealed.subarray(offset, offset + SEALED_CHUNK));
  return { header: body.subarray(0, SEIPD_HEADER_LENGTH), chunks, final: body.subarray(body.length - TAG_LENGTH) };
}

/** Re-frames the pieces as one SEIPD packet with a correct length, so only the chunk order is wrong. */
const join = (header: Buffer, ...pieces: Buffer[]) => packet(TAG_SEIPD, header, ...pieces);

async function streamDecrypt(message: Buffer): Promise<Buffer> {
  let sent = false;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return controller.close();
      sent = true;
      controller.enqueue(message);
    },
  });
  const parts: Uint8Array[] = [];
  for await (const chunk of decryptStream(key, source, name) as unknown as AsyncIterable<Uint8Array>) parts.push(chunk);
  return Buffer.concat(parts);
}

const message = encryptMessage(key, data, name, CHUNK_SIZE_BYTE);
const { header, chunks, final } = split(message);
const [c0, c1, c2, c3, c4] = chunks as [Buffer, Buffer, Buffer, Buffer, Buffer];
const other = split(encryptMessage(key, data, name, CHUNK_SIZE_BYTE)); // same key and data, its own salt

const altered: Array<[string, Buffer]> = [
  ["chunks 1 and 2 swapped", join(header, c0, c2, c1, c3, c4, final)],
  ["chunk 2 dropped", join(header, c0, c1, c3, c4, final)],
  ["the last chunk dropped (cut at a chunk boundary)", join(header, c0, c1, c2, c3, final)],
  ["chunk 1 repeated in place of chunk 2", join(header, c0, c1, c1, c3, c4, final)],
  ["the final tag moved before the last chunk", join(header, c0, c1, c2, c3, final, c4)],
  ["the final tag moved to the front", join(header, final, c0, c1, c2, c3, c4)],
  ["the final tag dropped", join(header, c0, c1, c2, c3, c4)],
  ["chunk 2 taken from another message under the same key", join(header, c0, c1, other.chunks[2]!, c3, c4, final)],
  ["the final tag taken from another message under the same key", join(header, c0, c1, c2, c3, c4, other.final)],
];

describe("SEIPD v2 chunks cannot be reordered, dropped or moved", () => {
  it("the unaltered five-chunk message opens both ways (the control)", async () => {
    expect(chunks.length).toBe(5);
    expect(join(header, ...chunks, final).equals(message)).toBe(true);
    expect(decryptMessage(key, message).data.equals(data)).toBe(true);
    expect((await streamDecrypt(message)).equals(data)).toBe(true);
  });

  it.each(altered)("whole-message decrypt refuses %s", (_, bytes) => {
    expect(() => decryptMessage(key, bytes)).toThrow(PgpAuthError);
  });

  it.each(altered)("streaming decrypt refuses %s", async (_, bytes) => {
    await expect(streamDecrypt(bytes)).rejects.toThrow(PgpAuthError);
  });
});
