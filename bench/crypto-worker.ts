import { parentPort, workerData } from "node:worker_threads";
import { sealWithKey } from "@/lib/crypto/fields";

/** Bench only: seals batches of records off the main thread (the worker-thread variant of bulk encryption). */
const { key, version, orgId } = workerData as { key: Uint8Array; version: number; orgId: string };
const dataKey = { orgId, version, key: Buffer.from(key) };

parentPort!.on("message", (batch: { rowIds: string[]; records: Uint8Array[] }) => {
  const out = batch.records.map((record, i) => sealWithKey(dataKey, { orgId, table: "contacts", column: "record", rowId: batch.rowIds[i]! }, record));
  parentPort!.postMessage(out);
});
