import { describe, expect, it } from "vitest";
import { PgpFormatError } from "./errors";
import { decryptMessage, encryptMessage } from "./message";
import { TAG_LITERAL, TAG_SEIPD, literalHeader, packet } from "./packets";
import { finalTag, newSeipdHeader, sealChunk } from "./seipd";
import { decryptStream, encryptStream } from "./stream";

/**
 * Fuzzing the parsers with a seeded PRNG (failures reproduce): every input either opens (only
 * when it is the unmodified message) or is refused with PgpFormatError or its PgpAuthError, never
 * another error, and each case finishes within a bound.
 */
const CASE_BOUND_MS = 2_000;

/** mulberry32: small, seeded, good enough to choose mutations. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  return { int, bytes };
}

const key = Buffer.alloc(32, 7);
const name = Buffer.from("place-name");

type Outcome = { ok: true; filename: Uint8Array; data: Buffer } | { ok: false; error: unknown };

function openWhole(bytes: Buffer): Outcome {
  const started = performance.now();
  try {
    return { ok: true, ...decryptMessage(key, bytes) };
  } catch (error) {
    return { ok: false, error };
  } finally {
    expect(performance.now() - started, "one whole-message decrypt").toBeLessThan(CASE_BOUND_MS);
  }
}

/** Streams `bytes` in `piece`-sized reads; a case that does not settle within the bound fails as a hang. */
async function openStream(bytes: Buffer, piece: number, filename: Uint8Array = name): Promise<Outcome> {
  let offset = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + piece));
      offset += piece;
    },
  });
  const read = (async (): Promise<Outcome> => {
    const parts: Uint8Array[] = [];
    try {
      for await (const chunk of decryptStream(key, source, filename) as unknown as AsyncIterable<Uint8Array>) parts.push(chunk);
      return { ok: true, filename, data: Buffer.concat(parts) };
    } catch (error) {
      return { ok: false, error };
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("hung")), CASE_BOUND_MS)));
  try {
    return await Promise.race([read, hang]);
  } finally {
    clearTimeout(timer);
  }
}

function expectRefused(outcome: Outcome, what: string): void {
  if (outcome.ok) throw new Error(`${what}: a modified message opened`);
  if (!(outcome.error instanceof PgpFormatError)) throw new Error(`${what}: refused with ${String(outcome.error)}, not a PgpFormatError`);
}

/** A valid SEIPD v2 packet around arbitrary plaintext packets, to reach the literal and padding parsers. */
function sealPackets(plaintext: Buffer): Buffer {
  const { header, keys } = newSeipdHeader(key, 0);
  const parts: Buffer[] = [header];
  let index = 0;
  for (let offset = 0; offset < plaintext.length || index === 0; offset += keys.chunkSize, index++) {
    parts.push(...sealChunk(keys, index, [plaintext.subarray(offset, offset + keys.chunkSize)]));
  }
  parts.push(finalTag(keys, index, plaintext.length));
  return packet(TAG_SEIPD, ...parts);
}

/** One random change: bit flips, a cut, inserted or deleted bytes, or a byte overwritten. */
function mutate(r: ReturnType<typeof prng>, bytes: Buffer): Buffer {
  const at = r.int(bytes.length + 1);
  switch (r.int(5)) {
    case 0: {
      const out = Buffer.from(bytes);
      for (let n = 1 + r.int(3); n > 0 && out.length; n--) out[r.int(out.length)]! ^= 1 << r.int(8);
      return out;
    }
    case 1:
      return bytes.subarray(0, r.int(bytes.length));
    case 2:
      return Buffer.concat([bytes.subarray(0, at), r.bytes(1 + r.int(4)), bytes.subarray(at)]);
    case 3:
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + r.int(4))]);
    default: {
      const out = Buffer.from(bytes);
      if (out.length) out[r.int(out.length)] = r.int(256);
      return out;
    }
  }
}

describe("the packet parsers under fuzzing", () => {
  it("refuses random byte strings (0 to 2 KiB), bare and behind a valid SEIPD v2 header", async () => {
    const r = prng(0x5eed_0001);
    for (let i = 0; i < 3_000; i++) {
      const random = r.bytes(r.int(2049));
      // Half of the strings pass the outer framing and the version/cipher/mode checks, reaching key derivation and GCM.
      const bytes = i % 2 ? random : packet(TAG_SEIPD, Buffer.from([2, 9, 3, r.int(17)]), random);
      expectRefused(openWhole(bytes), `random string ${i}`);
      if (i % 10 === 0) expectRefused(await openStream(bytes, 1 + r.int(300)), `random string ${i}, streamed`);
    }
  });

  it("refuses every truncation, and every tag, version, cipher, mode, chunk size and length octet value but the right one", async () => {
    const message = encryptMessage(key, Buffer.alloc(100, "v"), name, 0);
    expect(openWhole(message).ok).toBe(true);
    expect(message[1]).toBeGreaterThanOrEqual(192); // a two-octet body length
    for (let cut = 0; cut < message.length; cut++) {
      expectRefused(openWhole(message.subarray(0, cut)), `cut at ${cut}`);
      expectRefused(await openStream(message.subarray(0, cut), 1 + (cut % 50)), `cut at ${cut}, streamed`);
    }
    // Byte 0 is the packet tag, 1 and 2 the two length octets, 3 to 6 version, cipher, AEAD mode and chunk size.
    for (const at of [0, 1, 2, 3, 4, 5, 6]) {
      for (let value = 0; value < 256; value++) {
        if (value === message[at]) continue;
        const bytes = Buffer.from(message);
        bytes[at] = value;
        expectRefused(openWhole(bytes), `byte ${at} set to ${value}`);
        if (value % 8 === 0) expectRefused(await openStream(bytes, 17), `byte ${at} set to ${value}, streamed`);
      }
    }
  });

  it("refuses thousands of random mutations of valid messages (one chunk, several chunks, streamed framing)", async () => {
    const r = prng(0x5eed_0002);
    const parts: Uint8Array[] = [];
    const source = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(r.bytes(70_000)), c.close()) });
    for await (const chunk of encryptStream(key, source, name, 10) as unknown as AsyncIterable<Uint8Array>) parts.push(chunk);
    const streamed = Buffer.concat(parts); // 64 KiB partial parts, 64 KiB chunks
    const originals = [encryptMessage(key, r.bytes(20), name), encryptMessage(key, r.bytes(500), name, 0), streamed];
    for (let i = 0; i < 3_000; i++) {
      const original = originals[i % originals.length]!;
      const bytes = mutate(r, original);
      if (bytes.equals(original)) continue;
      if (original !== streamed) expectRefused(openWhole(bytes), `mutation ${i}`);
      if (original === streamed || i % 10 === 0) expectRefused(await openStream(bytes, 1 + r.int(9_000)), `mutation ${i}, streamed`);
    }
  });

  it("opens authentic plaintext packets the same way whole and streamed, and refuses malformed ones with PgpFormatError", async () => {
    const r = prng(0x5eed_0003);
    const valid = Buffer.concat([packet(TAG_LITERAL, literalHeader(name), r.bytes(150)), packet(21, r.bytes(12))]);
    let opened = 0;
    for (let i = 0; i < 1_500; i++) {
      const plaintext = i === 0 ? valid : i % 5 === 0 ? r.bytes(r.int(300)) : mutate(r, valid);
      const bytes = sealPackets(plaintext);
      const whole = openWhole(bytes);
      const streamed = await openStream(bytes, 1 + r.int(200), whole.ok ? whole.filename : name);
      if (whole.ok) {
        opened++;
        expect(streamed.ok && streamed.data.equals(whole.data), `plaintext ${i}: the stream opened what the whole message did`).toBe(true);
      } else {
        expectRefused(whole, `plaintext ${i}`);
        expectRefused(streamed, `plaintext ${i}, streamed`);
      }
    }
    expect(opened).toBeGreaterThan(0); // the unmodified packets and harmless changes (a flipped data bit) still open
  });
});
