// The part of unzipper (exceljs's own zip reader) that lib/imports/read.ts uses; the package ships no types.
declare module "unzipper" {
  import type { Duplex, Readable } from "node:stream";
  export type Entry = Readable & { path: string; type: "File" | "Directory"; autodrain(): { promise(): Promise<void> } };
  export function Parse(options?: { forceStream?: boolean }): Duplex & AsyncIterable<Entry>;
}
