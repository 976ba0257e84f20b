import "server-only";
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { ContactKeys } from "@/lib/contacts/write-rows";
import { logger } from "@/lib/log";
import { asBuffer } from "@/lib/bytes";
import { rebufferFields } from "./buffers";
import type { PrepareRequest } from "./prepare-worker";
import { prepareImportBatch, type BatchRow, type Imp, type PreparedBatch, type PreparedRow } from "./write";

/**
 * Where an import's batches are prepared (mapped, validated, indexed, sealed) ahead of their transaction: in a worker
 * thread when the process can load one (a process started by tsx: `npm start`'s server, `npm run worker`), so that
 * on the embedded database, whose engine runs on this thread, the two kinds of work use both cores; otherwise, and for
 * small files, here. Both give the same rows; a batch the worker cannot prepare is prepared here.
 */
export type Preparer = {
  /** Where the next batch is prepared: "worker" once the worker thread is ready. */
  readonly kind: "worker" | "inline";
  prepare(keys: ContactKeys, who: { userId: string }, imp: Imp, rows: BatchRow[]): Promise<PreparedBatch>;
  close(): Promise<void>;
};

/** The worker's source, loaded through tsx (a dependency: `npm start` runs the server with it); absent from a bundle-only deploy, which prepares inline. */
const WORKER_ENTRY = path.join(process.cwd(), "lib", "imports", "prepare-worker.ts");
const READY_WITHIN_MS = 60_000;

const inline: Preparer = { kind: "inline", prepare: prepareImportBatch, close: async () => undefined };

type Pending = { resolve: (rows: PreparedRow[] | null) => void };

/**
 * A preparer for one import job; `worker: false` (a small file) gives the inline one. The worker starts in the
 * background: batches are prepared here until it is ready, and for good if it cannot start (`require`: the job fails
 * instead, for the tests that prove the worker path).
 */
export function openPreparer(options: { worker: boolean; require?: boolean }): Preparer {
  if (!options.worker) return inline;
  return workerPreparer(options.require ?? false);
}

function workerPreparer(require: boolean): Preparer {
  let state: "starting" | "ready" | "gone" = "starting";
  let worker: Worker | undefined;
  let failure: Error | undefined;
  const pending = new Map<number, Pending>();
  let next = 0;
  let started: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (started = resolve));
  const gone = (why: string) => {
    started();
    if (state === "starting") {
      logger.info({ msg: `import worker thread unavailable (${why}): batches are prepared on the main thread` });
      if (require) failure = new Error(`the import's worker thread did not start (${why})`);
    }
    state = "gone";
    for (const p of pending.values()) p.resolve(null);
    pending.clear();
  };
  if (!fs.existsSync(WORKER_ENTRY)) gone("no worker source");
  else {
    try {
      // tsx's hooks apply to the thread that registered them: the worker registers them again, with the server condition.
      const boot = `require("tsx/cjs/api").register(); require(${JSON.stringify(WORKER_ENTRY)});`;
      worker = new Worker(boot, { eval: true, execArgv: ["--conditions=react-server"], stdout: false, stderr: true });
      worker.unref();
      worker.stderr.resume(); // never surfaced: a stack could carry a value
      const timer = setTimeout(() => gone("not ready in time"), READY_WITHIN_MS);
      timer.unref();
      worker.on("message", (m: { ready?: boolean; id?: number; rows?: PreparedRow[] }) => {
        if (m.ready) {
          clearTimeout(timer);
          if (state === "starting") {
            state = "ready";
            logger.info({ msg: "import batches are prepared in a worker thread" });
          }
          started();
          return;
        }
        const p = pending.get(m.id!);
        if (!p) return;
        pending.delete(m.id!);
        p.resolve(m.rows ? m.rows.map(fromWorker) : null);
      });
      worker.on("error", () => gone("failed"));
      worker.on("exit", () => gone("exited"));
    } catch {
      gone("could not be created");
    }
  }
  return {
    get kind() {
      return state === "ready" ? "worker" : "inline";
    },
    async prepare(keys, who, imp, rows) {
      // Required (the tests of this path): every batch waits for the worker rather than being prepared here.
      if (require) await settled;
      if (failure) throw failure;
      if (state === "ready" && worker) {
        const id = next++;
        const request: PrepareRequest = { id, keys, userId: who.userId, mapping: imp.mapping, tags: imp.options.tags, rows };
        const w = worker;
        const prepared = await new Promise<PreparedRow[] | null>((resolve) => {
          pending.set(id, { resolve });
          w.postMessage(request);
        });
        if (prepared) return { keys, input: rows, rows: prepared };
      }
      return prepareImportBatch(keys, who, imp, rows);
    },
    async close() {
      const w = worker;
      worker = undefined;
      state = "gone";
      await w?.terminate().catch(() => undefined);
    },
  };
}

/** A prepared row back from the worker, its byte arrays Buffers again. */
function fromWorker(row: PreparedRow): PreparedRow {
  return {
    ...row,
    email: row.email ? asBuffer(row.email) : null,
    phone: row.phone ? asBuffer(row.phone) : null,
    sealed: row.sealed ? rebufferFields(row.sealed) : null,
  };
}
