import { createLocalBlobStore } from "@/lib/storage";
import { runJobAndDie } from "@/lib/testing/killed-job";
import { importJobHandler } from "./jobs";
import { IMPORT_JOB } from "./service";

/**
 * Run as a child process by import-kill.test.ts: the import job in batches of 5 rows, prepared in its worker thread
 * (required, so the kill lands with that thread busy), killed after the given steps.
 */
void runJobAndDie(IMPORT_JOB, ({ blobDir }) => importJobHandler(createLocalBlobStore(blobDir), { batchRows: 5, workerFromRows: 0, requireWorker: true }));
