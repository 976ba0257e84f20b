import { randomBytes } from "node:crypto";
import * as openpgp from "openpgp";
import { describe, expect, it } from "vitest";
import { PgpFormatError } from "./errors";
import { decryptMessage, encryptMessage } from "./message";
import { decryptStream, encryptStream } from "./stream";
import { readAll, streamOf } from "@/lib/streams";

const key = randomBytes(32);
const sessionKey = { data: key, algorithm: "aes256" as const, aeadAlgorithm: "gcm" as const };
const name = Buffer.from("place-name");

async function openpgpDecrypt(message: Uint8Array): Promise<{ data: Buffer; filename: string }> {
  const msg = await openpgp.readMessage({ binaryMessage: message });
  const { data, filename } = await openpgp.decrypt({ message: msg, sessionKeys: sessionKey, format: "binary" });
  return { data: Buffer.from(data), filename };
}

async function openpgpEncrypt(data: Uint8Array, filename: string, chunkSizeByte = 12): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: data, filename, format: "binary" });
  return openpgp.encrypt({
    message,
    sessionKey,
    format: "binary",
    config: { aeadProtect: true, aeadChunkSizeByte: chunkSizeByte, preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed },
  });
}

const sizes = [0, 1, 130, 65_536, 262_144 - 8, 262_144, 700_001];

describe("OpenPGP SEIPDv2 messages on node:crypto", () => {
  it.each(sizes)("openpgp.js decrypts what we encrypt (%i bytes, whole message)", async (size) => {
    const data = randomBytes(size);
    const out = await openpgpDecrypt(encryptMessage(key, data, name));
    expect(out.data.equals(data)).toBe(true);
    expect(out.filename).toBe("place-name");
  });

  it.each(sizes)("we decrypt what openpgp.js encrypts (%i bytes, whole message)", async (size) => {
    const data = randomBytes(size);
    const out = decryptMessage(key, await openpgpEncrypt(data, "place-name"));
    expect(out.data.equals(data)).toBe(true);
    expect(out.filename.toString()).toBe("place-name");
  });

  it("writes SEIPD v2, AES-256, GCM and an uncompressed binary literal packet", async () => {
    const msg = encryptMessage(key, Buffer.from("x"), name);
    expect(msg[0]).toBe(0xc0 | 18);
    const parsed = await openpgp.readMessage({ binaryMessage: msg });
    const seipd = parsed.packets[0] as unknown as { version: number; cipherAlgorithm: number; aeadAlgorithm: number };
    expect(parsed.packets.length).toBe(1); // no key packets: the session key is given directly
    expect([seipd.version, seipd.cipherAlgorithm, seipd.aeadAlgorithm]).toEqual([2, openpgp.enums.symmetric.aes256, openpgp.enums.aead.gcm]);
  });

  it("uses a fresh salt per message, so equal values give different ciphertexts", () => {
    expect(encryptMessage(key, Buffer.from("same"), name).equals(encryptMessage(key, Buffer.from("same"), name))).toBe(false);
  });

  it("fails on any flipped byte, a wrong key, a cut or an extension", () => {
    const msg = encryptMessage(key, Buffer.from("a value worth protecting"), name);
    for (let i = 0; i < msg.length; i++) {
      const bad = Buffer.from(msg);
      bad[i]! ^= 0x01;
      expect(() => decryptMessage(key, bad), `byte ${i}`).toThrow(PgpFormatError);
    }
    expect(() => decryptMessage(randomBytes(32), msg)).toThrow(PgpFormatError);
    expect(() => decryptMessage(key, msg.subarray(0, msg.length - 1))).toThrow(PgpFormatError);
    expect(() => decryptMessage(key, Buffer.concat([msg, Buffer.from([0])]))).toThrow(PgpFormatError);
  });

  it.each([0, 1, 65_535, 65_536, 262_144, 1_000_003])("streams round-trip and interoperate with openpgp.js (%i bytes)", async (size) => {
    const data = randomBytes(size);
    const ours = await readAll(encryptStream(key, streamOf(data), name));
    expect((await openpgpDecrypt(ours)).data.equals(data)).toBe(true);
    expect((await readAll(decryptStream(key, streamOf(ours, 4_099), name))).equals(data)).toBe(true);
    const theirs = await openpgpEncrypt(data, "place-name", 10);
    expect((await readAll(decryptStream(key, streamOf(theirs), name))).equals(data)).toBe(true);
  });

  it("decrypts openpgp.js's own streamed (partial-length) output", async () => {
    const data = randomBytes(300_000);
    const message = await openpgp.createMessage({ binary: streamOf(data), filename: "place-name", format: "binary" });
    const encrypted = await openpgp.encrypt({ message, sessionKey, format: "binary", config: { aeadProtect: true } });
    const bytes = await readAll(encrypted as ReadableStream<Uint8Array>);
    expect((await readAll(decryptStream(key, streamOf(bytes), name))).equals(data)).toBe(true);
  });

  it("errors a stream that was modified, cut short, or belongs elsewhere", async () => {
    const data = randomBytes(600_000);
    const ct = await readAll(encryptStream(key, streamOf(data), name));
    const flipped = Buffer.from(ct);
    flipped[400_000]! ^= 0x80;
    await expect(readAll(decryptStream(key, streamOf(flipped), name))).rejects.toThrow(PgpFormatError);
    const cut = await readAll(encryptStream(key, streamOf(data.subarray(0, 262_144 * 2 - 40)), name));
    await expect(readAll(decryptStream(key, streamOf(cut.subarray(0, cut.length - 30)), name))).rejects.toThrow(PgpFormatError);
    await expect(readAll(decryptStream(key, streamOf(ct), Buffer.from("elsewhere")))).rejects.toThrow(/another place/);
    await expect(readAll(decryptStream(randomBytes(32), streamOf(ct), name))).rejects.toThrow(PgpFormatError);
  });
});
