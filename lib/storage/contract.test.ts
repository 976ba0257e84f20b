import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BlobStore } from "./blob-store";
import { BlobKeyError } from "./keys";
import { createLocalBlobStore } from "./local";
import { readAll } from "@/lib/streams";

let tempDir: string;
beforeAll(async () => {
  tempDir = await fs.mkdtemp(path.join(os.tmpdir(), "rampart-blobs-"));
});
afterAll(async () => {
  if (tempDir) await fs.rm(tempDir, { recursive: true, force: true });
});

type Subject = { label: string; open(): BlobStore };
const subjects: Subject[] = [{ label: "local files", open: () => createLocalBlobStore(path.join(tempDir, "contract")) }];

/** A stream of `chunks` random 64 KiB chunks, and the SHA-256 of everything it will produce. */
function randomStream(chunks: number): { stream: ReadableStream<Uint8Array>; sha256: string; size: number } {
  const parts = Array.from({ length: chunks }, () => randomBytes(64 * 1024));
  const hash = createHash("sha256");
  parts.forEach((p) => hash.update(p));
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < parts.length) controller.enqueue(parts[i++]!);
      else controller.close();
    },
  });
  return { stream, sha256: hash.digest("hex"), size: chunks * 64 * 1024 };
}

/** Sends `bytesBefore` bytes, then fails like a dropped upload. */
function failingStream(bytesBefore: number): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(randomBytes(bytesBefore));
      } else {
        controller.error(new Error("upload interrupted"));
      }
    },
  });
}

const badKeys: [string, string][] = [
  ["empty", ""],
  ["parent segment", "org/../secret"],
  ["leading parent segment", "../outside"],
  ["current-directory segment", "org/./file"],
  ["absolute path", "/etc/passwd"],
  ["backslash", "org\\file"],
  ["empty segment", "org//file"],
  ["trailing slash", "org/file/"],
  ["hidden segment", "org/.tmp-123"],
  ["space", "org/my file"],
  ["non-ASCII letter", "org/caf\u00e9"],
  ["NUL byte", "org/file\u0000"],
  ["too long", "a/".repeat(256) + "b"],
];

describe.each(subjects)("blob store contract: $label", (subject) => {
  let store: BlobStore;
  beforeAll(() => {
    store = subject.open();
  });

  it("returns the bytes it was given", async () => {
    const data = randomBytes(1000);
    expect(await store.put("bytes/org-1/file.pgp", data)).toEqual({ key: "bytes/org-1/file.pgp", size: 1000 });
    expect(await store.exists("bytes/org-1/file.pgp")).toBe(true);
    expect((await readAll((await store.get("bytes/org-1/file.pgp"))!)).equals(data)).toBe(true);
  });

  it("stores an empty blob", async () => {
    expect(await store.put("bytes/empty", new Uint8Array(0))).toEqual({ key: "bytes/empty", size: 0 });
    expect((await readAll((await store.get("bytes/empty"))!)).length).toBe(0);
  });

  it("streams a multi-megabyte blob in and out unchanged", async () => {
    const { stream, sha256, size } = randomStream(80); // 5 MiB
    expect(await store.put("stream/big.pgp", stream)).toEqual({ key: "stream/big.pgp", size });
    const back = await readAll((await store.get("stream/big.pgp"))!);
    expect(back.length).toBe(size);
    expect(createHash("sha256").update(back).digest("hex")).toBe(sha256);
  });

  it("replaces a blob on overwrite, with nothing of the old one left", async () => {
    await store.put("overwrite/file", randomBytes(4096));
    const shorter = randomBytes(10);
    expect(await store.put("overwrite/file", shorter)).toEqual({ key: "overwrite/file", size: 10 });
    expect((await readAll((await store.get("overwrite/file"))!)).equals(shorter)).toBe(true);
  });

  it("answers null and false for a key never stored, also below a stored key", async () => {
    expect(await store.get("missing/nothing")).toBeNull();
    expect(await store.exists("missing/nothing")).toBe(false);
    await store.put("missing/file", randomBytes(4));
    expect(await store.get("missing/file/below")).toBeNull();
    expect(await store.exists("missing/file/below")).toBe(false);
    expect(await store.get("missing")).toBeNull();
    expect(await store.exists("missing")).toBe(false);
  });

  it("deletes, and deleting again or deleting what never existed is fine", async () => {
    await store.put("delete/file", randomBytes(16));
    await store.delete("delete/file");
    expect(await store.get("delete/file")).toBeNull();
    expect(await store.exists("delete/file")).toBe(false);
    await expect(store.delete("delete/file")).resolves.toBeUndefined();
    await expect(store.delete("delete/never/was")).resolves.toBeUndefined();
  });

  it("lists keys by string prefix, sorted", async () => {
    for (const key of ["list/org/b/1", "list/org/a/2", "list/org/a/1", "list/orgx/1", "list/other"]) await store.put(key, randomBytes(3));
    expect(await store.list("list/org/")).toEqual(["list/org/a/1", "list/org/a/2", "list/org/b/1"]);
    expect(await store.list("list/org/a")).toEqual(["list/org/a/1", "list/org/a/2"]);
    expect(await store.list("list/org")).toEqual(["list/org/a/1", "list/org/a/2", "list/org/b/1", "list/orgx/1"]);
    expect(await store.list("list/o")).toEqual(["list/org/a/1", "list/org/a/2", "list/org/b/1", "list/orgx/1", "list/other"]);
    expect(await store.list("list/none/")).toEqual([]);
    await store.delete("list/org/a/1");
    expect(await store.list("list/org/a/")).toEqual(["list/org/a/2"]);
  });

  it.each(badKeys)("refuses a key with %s in every operation", async (_, key) => {
    const err = await store.put(key, randomBytes(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlobKeyError);
    expect((err as Error).message).toMatch(/^Invalid blob key: /);
    await expect(store.get(key)).rejects.toBeInstanceOf(BlobKeyError);
    await expect(store.exists(key)).rejects.toBeInstanceOf(BlobKeyError);
    await expect(store.delete(key)).rejects.toBeInstanceOf(BlobKeyError);
  });

  it("refuses a prefix that leaves the store", async () => {
    await expect(store.list("../")).rejects.toBeInstanceOf(BlobKeyError);
    await expect(store.list("/")).rejects.toBeInstanceOf(BlobKeyError);
  });

  it("stores nothing when the source stream fails, and keeps the blob it would have replaced", async () => {
    await expect(store.put("failing/new", failingStream(256 * 1024))).rejects.toThrow("upload interrupted");
    expect(await store.get("failing/new")).toBeNull();
    expect(await store.list("failing/")).toEqual([]);

    const old = randomBytes(100);
    await store.put("failing/existing", old);
    await expect(store.put("failing/existing", failingStream(256 * 1024))).rejects.toThrow("upload interrupted");
    expect((await readAll((await store.get("failing/existing"))!)).equals(old)).toBe(true);
  });

  it("lets a reader stop early", async () => {
    await store.put("cancel/file", randomBytes(512 * 1024));
    const reader = (await store.get("cancel/file"))!.getReader();
    expect((await reader.read()).done).toBe(false);
    await expect(reader.cancel()).resolves.toBeUndefined();
  });
});

describe("local blob store on disk", () => {
  let root: string;
  let store: BlobStore;
  beforeAll(() => {
    root = path.join(tempDir, "disk", "blobs");
    store = createLocalBlobStore(root);
  });

  const mode = async (p: string) => (await fs.stat(p)).mode & 0o777;
  const allEntries = async (dir: string) => (await fs.readdir(dir, { recursive: true })).map(String).sort();

  it("writes files readable by the owner only, in directories only the owner can enter", async () => {
    await store.put("org-1/imports/file.pgp", randomBytes(10));
    expect(await mode(path.join(root, "org-1", "imports", "file.pgp"))).toBe(0o600);
    for (const dir of [root, path.join(root, "org-1"), path.join(root, "org-1", "imports")]) expect(await mode(dir)).toBe(0o700);
  });

  it("leaves no file and no temp file behind when the source stream fails", async () => {
    await store.put("failing/keep", randomBytes(1));
    const before = await allEntries(path.join(root, "failing"));
    await expect(store.put("failing/partial", failingStream(1024 * 1024))).rejects.toThrow("upload interrupted");
    expect(await allEntries(path.join(root, "failing"))).toEqual(before);
    expect(before).toEqual(["keep"]);
  });

  it("never shows a partly written blob: during a slow write the key is absent", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let step = 0;
    const slow = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (step++ === 0) return controller.enqueue(randomBytes(1024));
        await gate;
        controller.close();
      },
    });
    const writing = store.put("slow/file", slow);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await store.exists("slow/file")).toBe(false);
    expect(await store.list("slow/")).toEqual([]);
    expect((await allEntries(path.join(root, "slow"))).filter((n) => n.startsWith(".tmp-"))).toHaveLength(1);
    release();
    expect(await writing).toEqual({ key: "slow/file", size: 1024 });
    expect(await allEntries(path.join(root, "slow"))).toEqual(["file"]);
  });

  it("writes nothing outside its directory for a rejected key", async () => {
    const outside = await allEntries(tempDir);
    await expect(store.put("../escape", randomBytes(1))).rejects.toBeInstanceOf(BlobKeyError);
    expect(await allEntries(tempDir)).toEqual(outside);
  });
});
