import * as openpgp from "openpgp";
import { describe, expect, it } from "vitest";
import { PgpFormatError } from "./errors";
import { decryptMessage } from "./message";
import { SEIPD_HEADER_LENGTH, deriveMessageKeys, finalTag, sealChunk } from "./seipd";
import { decryptStream } from "./stream";
import { readAll, streamOf } from "@/lib/streams";

/**
 * RFC 9580 Appendix A.9, "Sample AEAD-GCM encryption and decryption": a v6 SKESK (password
 * "password") and a SEIPD v2 packet, AES-128, GCM, chunk size byte 6, holding the literal packet
 * "Hello, world!" and a padding packet. Hex transcribed from the RFC's sample.
 */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const sessionKey = hex("1936fc8568980274bb900d8319360c77");
const skeskPacket = hex(`
  c33c061a07030b0308e9d39785b2070008ffb42e7c483ef4884457cb3726b9b3db9ff776e5f4d9a4
  0952e2447298851abfff7526df2dd554417579a7799f`);
const seipdPacket = hex(`
  d26902070306fcb94490bcb98bbdc9d106c6090266940f72e89edc21b5596b1576b101ed0f9ffc6f
  c6d65bbfd24dcd0790966e6d1e85a30053784cb1d8b6a0699ef12155a7b2ad6258531b57651fd777
  7912fa95e35d9b40216f69a4c248db28ff4331f1632907399e6ff9`);
const salt = hex("fcb94490bcb98bbdc9d106c6090266940f72e89edc21b5596b1576b101ed0f9f");
/** The decrypted packets: literal data (binary, no name, date 0, "Hello, world!") then padding. */
const literalAndPadding = hex("cb1362000000000048656c6c6f2c20776f726c6421 d50e1ce2269a9eddef81032172b7ed7c");
const hello = Buffer.from("Hello, world!");

describe("RFC 9580 Appendix A.9 (AEAD-GCM sample) known answers", () => {
  it("the session key is the one the sample's SKESK holds under the password (openpgp.js opens it)", async () => {
    const message = await openpgp.readMessage({ binaryMessage: Buffer.concat([skeskPacket, seipdPacket]) });
    const [decrypted] = await openpgp.decryptSessionKeys({ message, passwords: ["password"] });
    expect(Buffer.from(decrypted!.data).equals(sessionKey)).toBe(true);
  });

  it("the whole-message decrypt opens the sample to a nameless literal packet holding Hello, world!", () => {
    const { filename, data } = decryptMessage(sessionKey, seipdPacket);
    expect(filename.length).toBe(0);
    expect(data.equals(hello)).toBe(true);
  });

  it.each([1, 7, 200])("the streaming decrypt opens the sample, read %i bytes at a time", async (piece) => {
    expect((await readAll(decryptStream(sessionKey, streamOf(seipdPacket, piece), Buffer.alloc(0)))).equals(hello)).toBe(true);
  });

  it("derives the key from the sample's header and seals its chunk and final tag to the sample's exact bytes", () => {
    const body = seipdPacket.subarray(2);
    expect(body.subarray(4, SEIPD_HEADER_LENGTH).equals(salt)).toBe(true);
    const keys = deriveMessageKeys(sessionKey, salt, 6);
    expect(keys.info.equals(hex("d202070306"))).toBe(true); // packet tag, version, AES-128, GCM, chunk size byte
    expect(keys.algorithm).toBe("aes-128-gcm");
    expect([keys.key.length, keys.iv.length, keys.chunkSize]).toEqual([16, 4, 4096]);
    const sealed = Buffer.concat([...sealChunk(keys, 0, [literalAndPadding]), finalTag(keys, 1, literalAndPadding.length)]);
    expect(sealed.toString("hex")).toBe(body.subarray(SEIPD_HEADER_LENGTH).toString("hex"));
  });

  it("the session key, not the message, picks the cipher: a 32-byte key refuses the AES-128 sample", () => {
    expect(() => decryptMessage(Buffer.concat([sessionKey, sessionKey]), seipdPacket)).toThrow(PgpFormatError);
    expect(() => decryptMessage(sessionKey.subarray(0, 15), seipdPacket)).toThrow(PgpFormatError);
  });
});
