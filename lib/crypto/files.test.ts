import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { encryptedFiles } from "@/db/schema/crypto";
import { withTenant } from "@/lib/db/tenant";
import { createLocalBlobStore, type BlobStore } from "@/lib/storage";
import { createTestDatabase, testBackends, type TestDatabase } from "@/lib/testing/databases";
import { FileNotFoundError, deleteEncryptedFile, openEncryptedFile, putEncryptedFile } from "./files";
import { createOrganization, useTestMasterKeys } from "./test-support";

const MiB = 1024 * 1024;

/** A lazily generated plaintext stream (64 KiB chunks) with its SHA-256, counting what has been pulled. */
function generated(total: number, marker: string) {
  const state = { pulled: 0, hash: createHash("sha256") };
  let n = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.pulled >= total) return controller.close();
        const size = Math.min(64 * 1024, total - state.pulled);
        const chunk = Buffer.alloc(size, `${marker}:${n++}:`);
        state.hash.update(chunk);
        state.pulled += size;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** Reads a stream slowly (as a network client would), tracking the largest gap to a producer counter. */
async function drain(stream: ReadableStream<Uint8Array>, ahead: () => number) {
  const hash = createHash("sha256");
  let consumed = 0;
  let maxLag = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    consumed += chunk.byteLength;
    maxLag = Math.max(maxLag, ahead() - consumed);
    await new Promise((r) => setImmediate(r));
  }
  return { digest: hash.digest("hex"), consumed, maxLag };
}

function passThroughCounting(stream: ReadableStream<Uint8Array>, count: (n: number) => void): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        count(value.byteLength);
        controller.enqueue(value);
      },
      cancel: (r) => reader.cancel(r),
    },
    { highWaterMark: 0 },
  );
}

describe.each(testBackends())("encrypted files (%s)", (backend) => {
  let t: TestDatabase;
  let blobDir: string;
  let store: BlobStore;
  let orgA: string, orgB: string;

  beforeAll(async () => {
    useTestMasterKeys(["m1"]);
    t = await createTestDatabase(backend);
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-files-"));
    store = createLocalBlobStore(blobDir);
    orgA = await createOrganization(t.db);
    orgB = await createOrganization(t.db);
  });
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(blobDir, { recursive: true, force: true });
  });

  const blobPath = async (orgId: string, id: string) => {
    const [row] = await withTenant(t.db, { orgId }, (tx) => tx.select().from(encryptedFiles).where(eq(encryptedFiles.id, id)));
    return path.join(blobDir, ...row!.blobKey.split("/"));
  };
  const read = async (orgId: string, id: string) => {
    const chunks: Uint8Array[] = [];
    for await (const c of (await openEncryptedFile(t.db, store, { orgId }, id)).stream as unknown as AsyncIterable<Uint8Array>) chunks.push(c);
    return Buffer.concat(chunks);
  };

  it("streams 20 MB in and out with bounded memory, never writing plaintext to disk", async () => {
    const total = 20 * MiB;
    const source = generated(total, "PLAINTEXT-MARKER");
    let written = 0;
    let maxUploadLag = 0;
    const watching: BlobStore = {
      ...store,
      put: (key, data) =>
        store.put(
          key,
          passThroughCounting(data as ReadableStream<Uint8Array>, (n) => {
            written += n;
            maxUploadLag = Math.max(maxUploadLag, source.state.pulled - written);
          }),
        ),
      get: async (key) => {
        const s = await store.get(key);
        return s && passThroughCounting(s, (n) => (readFromBlob += n));
      },
    };
    let readFromBlob = 0;
    const stored = await putEncryptedFile(t.db, watching, { orgId: orgA }, source.stream);
    expect(stored.size).toBe(total);
    expect(maxUploadLag).toBeLessThan(2 * MiB); // the encryptor never runs ahead of the store

    const blob = fs.readFileSync(await blobPath(orgA, stored.id));
    expect(blob.length).toBeGreaterThan(total);
    expect(blob.includes(Buffer.from("PLAINTEXT-MARKER"))).toBe(false);
    expect(fs.readdirSync(blobDir, { recursive: true }).filter((f) => String(f).includes(".tmp-"))).toEqual([]);

    const opened = await openEncryptedFile(t.db, watching, { orgId: orgA }, stored.id);
    expect(opened.size).toBe(total);
    const out = await drain(opened.stream, () => readFromBlob);
    expect(out.consumed).toBe(total);
    expect(out.digest).toBe(source.state.hash.digest("hex"));
    expect(out.maxLag).toBeLessThan(2 * MiB); // the decryptor never reads far ahead of its reader
  });

  it("round-trips empty and small files given as bytes", async () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from("x"), Buffer.from("résumé.pdf contents")]) {
      const { id, size } = await putEncryptedFile(t.db, store, { orgId: orgA }, bytes);
      expect(size).toBe(bytes.length);
      expect((await read(orgA, id)).equals(bytes)).toBe(true);
    }
  });

  it("errors the download of a modified, truncated or swapped blob", async () => {
    const content = Buffer.alloc(600_000, "confidential ");
    const a = await putEncryptedFile(t.db, store, { orgId: orgA }, content);
    const b = await putEncryptedFile(t.db, store, { orgId: orgA }, Buffer.from("another file"));
    const file = await blobPath(orgA, a.id);
    const original = fs.readFileSync(file);

    const flipped = Buffer.from(original);
    flipped[300_000]! ^= 1;
    fs.writeFileSync(file, flipped);
    await expect(read(orgA, a.id)).rejects.toThrow();

    fs.writeFileSync(file, original.subarray(0, original.length - 20));
    await expect(read(orgA, a.id)).rejects.toThrow();

    fs.writeFileSync(file, fs.readFileSync(await blobPath(orgA, b.id)));
    await expect(read(orgA, a.id)).rejects.toThrow();

    fs.writeFileSync(file, original);
    expect((await read(orgA, a.id)).equals(content)).toBe(true);
  });

  it("keeps files to their organisation, and deleting removes the blob", async () => {
    const { id } = await putEncryptedFile(t.db, store, { orgId: orgA }, Buffer.from("A only"));
    await expect(openEncryptedFile(t.db, store, { orgId: orgB }, id)).rejects.toBeInstanceOf(FileNotFoundError);
    expect(await deleteEncryptedFile(t.db, store, { orgId: orgB }, id)).toBe(false);
    const file = await blobPath(orgA, id);
    expect(await deleteEncryptedFile(t.db, store, { orgId: orgA }, id)).toBe(true);
    expect(fs.existsSync(file)).toBe(false);
    await expect(openEncryptedFile(t.db, store, { orgId: orgA }, id)).rejects.toBeInstanceOf(FileNotFoundError);
  });

  it("removes the blob again when the file cannot be recorded", async () => {
    const before = await store.list("org/");
    await expect(putEncryptedFile(t.db, store, { orgId: "00000000-0000-4000-8000-000000000000" }, Buffer.from("orphan"))).rejects.toThrow();
    expect(await store.list("org/")).toEqual(before);
  });
});
