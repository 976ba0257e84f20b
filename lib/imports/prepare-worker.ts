import { parentPort } from "node:worker_threads";
import { contactRowSealer, sameContactKeys, type ContactKeys } from "@/lib/contacts/write-rows";
import type { ImportMapping } from "@/db/schema";
import { asBuffer } from "@/lib/bytes";
import { rowMapper } from "./mapping";
import { prepareRows, type BatchRow } from "./write";

/**
 * The import's worker thread (lib/imports/preparer.ts): maps, validates, indexes and seals a batch's rows off the main
 * thread, so an embedded database's work there and this work run on two cores. It holds the campaign's keys only as
 * long as the import runs (the thread ends with the job), never writes to the database and never logs a value.
 */
export type PrepareRequest = { id: number; keys: ContactKeys; userId: string; mapping: ImportMapping; tags: string[]; rows: BatchRow[] };

let sealing: { keys: ContactKeys; sealer: ReturnType<typeof contactRowSealer> } | undefined;

parentPort!.on("message", (request: PrepareRequest) => {
  try {
    // Keys arrive as plain byte arrays: made Buffers again, as the sealing code expects.
    const keys: ContactKeys = { orgId: request.keys.orgId, data: { ...request.keys.data, key: asBuffer(request.keys.data.key) }, index: asBuffer(request.keys.index) };
    // One sealer while the keys stay the same: its memory of name prefixes already hashed serves every batch.
    if (!sealing || !sameContactKeys(sealing.keys, keys)) sealing = { keys, sealer: contactRowSealer(keys) };
    const rows = prepareRows(keys, sealing.sealer, rowMapper(request.mapping, request.tags), request.userId, request.rows);
    parentPort!.postMessage({ id: request.id, rows });
  } catch {
    // The main thread prepares the batch itself; no detail leaves this thread (it could carry a value).
    parentPort!.postMessage({ id: request.id, failed: true });
  }
});
parentPort!.postMessage({ ready: true });
