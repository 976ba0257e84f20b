import "server-only";
import { Readable, Transform } from "node:stream";
import { parse as parseCsv, CsvError } from "csv-parse";
import ExcelJS from "exceljs";
import { Parse as parseZip, type Entry } from "unzipper";
import type { ImportFormat } from "@/db/schema/imports";
import { RuleError } from "@/lib/errors";
import type { ImportLimits } from "./limits";

/**
 * Reads an import file as rows of text cells, from a stream opened on demand (the decrypting stream of the encrypted
 * upload: nothing here touches a disk). CSV: encoding and delimiter detected; .xlsx: the first sheet, read as a stream.
 * Every refusal is an ImportFileError whose message is safe to show and names no cell value.
 */

export class ImportFileError extends RuleError {
  constructor(message: string) {
    super(message);
    this.name = "ImportFileError";
  }
}

export type OpenSource = () => Promise<ReadableStream<Uint8Array>>;
export type TextEncoding = "utf-8" | "utf-8 with BOM" | "utf-16le" | "utf-16be" | "windows-1252";
export type FileShape = { format: ImportFormat; encoding: TextEncoding | "xlsx"; delimiter: string | null };
export type SheetRow = { rowNumber: number; cells: string[] };

/** Utf-8 was assumed and the bytes are not: the caller reads again as Windows-1252. */
class NotUtf8Error extends Error {}

export const encodingLabels: Record<FileShape["encoding"], string> = {
  "utf-8": "UTF-8",
  "utf-8 with BOM": "UTF-8 (with byte-order mark)",
  "utf-16le": "UTF-16 (little-endian)",
  "utf-16be": "UTF-16 (big-endian)",
  "windows-1252": "Windows-1252 (Western European)",
  xlsx: "Excel workbook",
};

const BINARY_MESSAGE = "This file is not a CSV: it holds binary data. Save the sheet as CSV (UTF-8) or upload the .xlsx file itself.";

/** Picks the encoding from the first bytes: a byte-order mark, UTF-16 without one (every other byte zero), or binary data. */
export function sniffEncoding(head: Uint8Array): { encoding: TextEncoding | "auto"; skip: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: "utf-8 with BOM", skip: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: "utf-16le", skip: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: "utf-16be", skip: 2 };
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)
    throw new ImportFileError("This file is an Excel workbook or another zip archive renamed .csv. Upload it with its .xlsx name.");
  const sample = head.subarray(0, 4096);
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) (i % 2 === 0 ? zeroEven++ : zeroOdd++);
  const half = sample.length / 2;
  if (half >= 2 && zeroOdd >= half * 0.9 && zeroEven === 0) return { encoding: "utf-16le", skip: 0 };
  if (half >= 2 && zeroEven >= half * 0.9 && zeroOdd === 0) return { encoding: "utf-16be", skip: 0 };
  if (zeroEven + zeroOdd > 0) throw new ImportFileError(BINARY_MESSAGE);
  for (const byte of sample) if (byte < 0x09 || (byte > 0x0d && byte < 0x20 && byte !== 0x1b)) throw new ImportFileError(BINARY_MESSAGE);
  return { encoding: "auto", skip: 0 };
}

/** The delimiter of the header line: the candidate seen most often outside quotes (a comma when none is). */
export function detectDelimiter(firstLine: string): string {
  const counts = new Map<string, number>([
    [",", 0],
    [";", 0],
    ["\t", 0],
    ["|", 0],
  ]);
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ",";
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) yield chunk;
}

/** The decoded text of the file, chunk by chunk, with the encoding it was read in. */
async function decodeText(open: OpenSource, wanted: TextEncoding | "auto"): Promise<{ encoding: TextEncoding; text: AsyncGenerator<string> }> {
  const chunks = chunksOf(await open());
  let head = new Uint8Array(0);
  const buffered: Uint8Array[] = [];
  while (head.length < 4096) {
    const next = await chunks.next();
    if (next.done) break;
    buffered.push(next.value);
    head = Buffer.concat([head, next.value]);
  }
  if (head.length === 0) throw new ImportFileError("The file is empty.");
  const sniffed = sniffEncoding(head);
  const encoding: TextEncoding = wanted !== "auto" ? wanted : sniffed.encoding === "auto" ? "utf-8" : sniffed.encoding;
  const skip = wanted === "auto" || wanted === sniffed.encoding ? sniffed.skip : 0;
  const label = encoding === "utf-8 with BOM" ? "utf-8" : encoding;
  const decoder = new TextDecoder(label, { fatal: encoding === "utf-8" || encoding === "utf-8 with BOM", ignoreBOM: true });
  const decode = (bytes: Uint8Array, stream: boolean) => {
    try {
      return decoder.decode(bytes, { stream });
    } catch {
      if (encoding === "utf-8") throw new NotUtf8Error();
      throw new ImportFileError("The file says it is UTF-8 but holds bytes that are not. Save it again as CSV (UTF-8).");
    }
  };
  async function* text(): AsyncGenerator<string> {
    let first = true;
    for (const part of buffered) {
      yield decode(first ? part.subarray(skip) : part, true);
      first = false;
    }
    for await (const part of chunks) yield decode(part, true);
    yield decode(new Uint8Array(0), false);
  }
  return { encoding, text: text() };
}

function checkCell(value: string, rowNumber: number, column: number, limits: ImportLimits, format: ImportFormat): void {
  if (value.length > limits.maxCellChars)
    throw new ImportFileError(`Row ${rowNumber}, column ${column + 1} holds more than ${limits.maxCellChars.toLocaleString("en-US")} characters. Shorten it and upload again.`);
  if (format === "csv" && value.startsWith("="))
    throw new ImportFileError(`Row ${rowNumber}, column ${column + 1} is a spreadsheet formula. Save the sheet with values only and upload again.`);
}

function checkRow(cells: string[], rowNumber: number, limits: ImportLimits, format: ImportFormat): void {
  if (cells.length > limits.maxColumns) throw new ImportFileError(`Row ${rowNumber} has more than ${limits.maxColumns} columns.`);
  cells.forEach((cell, i) => checkCell(cell, rowNumber, i, limits, format));
}

async function* csvRowsIn(open: OpenSource, encoding: TextEncoding | "auto", limits: ImportLimits, shape: { encoding?: TextEncoding; delimiter?: string }): AsyncGenerator<SheetRow> {
  const decoded = await decodeText(open, encoding);
  shape.encoding = decoded.encoding;
  const first = await decoded.text.next();
  const firstText = first.done ? "" : first.value;
  const delimiter = detectDelimiter(firstText.split(/\r?\n/, 1)[0] ?? "");
  shape.delimiter = delimiter;
  const source = Readable.from(
    (async function* () {
      yield firstText;
      yield* decoded.text;
    })(),
    { objectMode: false },
  );
  const parser = source.pipe(
    parseCsv({ delimiter, relax_column_count: true, skip_empty_lines: true, max_record_size: limits.maxCellChars * 4, bom: false, trim: false }),
  );
  source.on("error", (err) => parser.destroy(err));
  let rowNumber = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      rowNumber++;
      checkRow(record, rowNumber, limits, "csv");
      yield { rowNumber, cells: record };
    }
  } catch (err) {
    if (err instanceof CsvError) {
      if (err.code === "CSV_MAX_RECORD_SIZE")
        throw new ImportFileError(`Row ${rowNumber + 1} holds more than ${limits.maxCellChars.toLocaleString("en-US")} characters in a cell. Shorten it and upload again.`);
      throw new ImportFileError(`Row ${rowNumber + 1} could not be read as CSV (${err.code === "CSV_QUOTE_NOT_CLOSED" ? "a quote is never closed" : "badly placed quotes"}).`);
    }
    throw err;
  }
}

/** Counts inflated bytes of zip entries and stops a zip bomb before it fills memory. */
function inflationGuard(limits: ImportLimits, fileSize: number) {
  let total = 0;
  const cap = Math.min(limits.maxInflatedBytes, Math.max(fileSize, 1) * limits.maxInflateRatio + 1024 * 1024);
  return () =>
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        total += chunk.length;
        if (total > cap) return done(new ImportFileError("This .xlsx file inflates to far more data than a spreadsheet holds (a zip bomb?). It was refused."));
        done(null, chunk);
      },
    });
}

function cellText(value: ExcelJS.CellValue, rowNumber: number, column: number): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "object") {
    if ("formula" in value || "sharedFormula" in value)
      throw new ImportFileError(`Row ${rowNumber}, column ${column} is a formula. Save the workbook with values only (paste as values) and upload again.`);
    if ("richText" in value) return value.richText.map((r) => r.text).join("");
    if ("text" in value && typeof value.text === "string") return value.text;
    if ("error" in value) return "";
  }
  return String(value);
}

async function* xlsxRowsIn(open: OpenSource, limits: ImportLimits, fileSize: number): AsyncGenerator<SheetRow> {
  const guard = inflationGuard(limits, fileSize);
  // exceljs spools a sheet met before the shared strings to a temporary file: a first pass hands it the shared
  // strings and relationships, so the second streams the sheet from memory and no plaintext reaches a disk.
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(new Readable({ read() {} }), { worksheets: "emit", sharedStrings: "cache", hyperlinks: "ignore", styles: "ignore", entries: "ignore" });
  const internals = reader as unknown as {
    sharedStrings?: unknown[];
    workbookRels?: unknown[];
    model?: { sheets?: unknown[] };
    _parseRels(entry: Readable): Promise<void>;
    _parseWorkbook(entry: Readable): Promise<void>;
    _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  };
  const zip = parseZip({ forceStream: true });
  const raw = Readable.fromWeb((await open()) as import("node:stream/web").ReadableStream<Uint8Array>);
  raw.on("error", (err) => zip.destroy(err));
  let sawSheet = false;
  try {
    for await (const entry of raw.pipe(zip) as AsyncIterable<Entry>) {
      const guarded = entry.pipe(guard());
      if (entry.path === "xl/sharedStrings.xml") for await (const s of internals._parseSharedStrings(guarded)) void s;
      else if (entry.path === "xl/_rels/workbook.xml.rels") await internals._parseRels(guarded);
      else if (entry.path === "xl/workbook.xml") await internals._parseWorkbook(guarded);
      else {
        if (/^xl\/worksheets\/sheet\d+\.xml$/.test(entry.path)) sawSheet = true;
        for await (const chunk of guarded as AsyncIterable<Buffer>) void chunk;
      }
    }
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    throw new ImportFileError("This file is not a readable .xlsx workbook. Open it in a spreadsheet program, save it as .xlsx and upload again.");
  }
  if (!sawSheet) throw new ImportFileError("This file is not a readable .xlsx workbook: it has no worksheet.");
  internals.sharedStrings ??= [];
  internals.workbookRels ??= [];
  internals.model ??= { sheets: [] };

  const second = Readable.fromWeb((await open()) as import("node:stream/web").ReadableStream<Uint8Array>);
  const parse = (reader as unknown as { parse(input: Readable): AsyncGenerator<{ eventType: string; value: ExcelJS.stream.xlsx.WorksheetReader }> }).parse(second.pipe(guard()));
  let done = false;
  try {
    for await (const event of parse) {
      if (event.eventType !== "worksheet" || done) continue;
      done = true;
      for await (const row of event.value as unknown as AsyncIterable<ExcelJS.Row>) {
        const cells: string[] = [];
        const values = row.values as ExcelJS.CellValue[];
        for (let c = 1; c < values.length; c++) cells.push(cellText(values[c], row.number, c));
        if (cells.every((v) => v.trim() === "")) continue;
        checkRow(cells, row.number, limits, "xlsx");
        yield { rowNumber: row.number, cells };
      }
    }
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    throw new ImportFileError("This file is not a readable .xlsx workbook. Open it in a spreadsheet program, save it as .xlsx and upload again.");
  }
}

/** The rows of the file, header first; `shape` is filled with what was detected once the first row is out. */
export async function* readSheet(
  open: OpenSource,
  format: ImportFormat,
  options: { encoding?: TextEncoding | "auto"; limits: ImportLimits; fileSize: number },
  shape: { encoding?: TextEncoding; delimiter?: string } = {},
): AsyncGenerator<SheetRow> {
  if (format === "xlsx") yield* xlsxRowsIn(open, options.limits, options.fileSize);
  else yield* csvRowsIn(open, options.encoding ?? "auto", options.limits, shape);
}

export type Inspection = FileShape & { headers: string[]; totalRows: number };

/**
 * Reads the whole file once: its shape, header and number of data rows, refusing what cannot be imported. A CSV that
 * is not valid UTF-8 is read again as Windows-1252 (what spreadsheet programs on Windows write).
 */
export async function inspectImportFile(open: OpenSource, format: ImportFormat, limits: ImportLimits, fileSize: number): Promise<Inspection> {
  for (const encoding of ["auto", "windows-1252"] as const) {
    const shape: { encoding?: TextEncoding; delimiter?: string } = {};
    let headers: string[] | null = null;
    let totalRows = 0;
    try {
      for await (const row of readSheet(open, format, { encoding, limits, fileSize }, shape)) {
        if (headers === null) {
          headers = row.cells.map((h) => h.trim());
          continue;
        }
        totalRows++;
        if (totalRows > limits.maxRows)
          throw new ImportFileError(`The file has more than ${limits.maxRows.toLocaleString("en-US")} rows, the most one import takes. Split it and upload each part.`);
      }
    } catch (err) {
      if (err instanceof NotUtf8Error) continue;
      throw err;
    }
    if (headers === null) throw new ImportFileError("The file is empty.");
    if (headers.every((h) => h === "")) throw new ImportFileError("The first row should name the columns (Name, Email, …) but it is blank.");
    if (totalRows === 0) throw new ImportFileError("The file has a header row but no contacts under it.");
    return {
      format,
      encoding: format === "xlsx" ? "xlsx" : (shape.encoding ?? "utf-8"),
      delimiter: format === "csv" ? (shape.delimiter ?? ",") : null,
      headers,
      totalRows,
    };
  }
  throw new ImportFileError("The file could not be decoded as text.");
}
