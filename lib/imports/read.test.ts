import { crc32, deflateRawSync } from "node:zlib";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { streamOf } from "@/lib/streams";
import { FIXED_LIMITS, type ImportLimits } from "./limits";
import { detectDelimiter, ImportFileError, inspectImportFile, readSheet, sniffEncoding } from "./read";

const limits: ImportLimits = { maxBytes: 50 * 1024 * 1024, maxRows: 1000, ...FIXED_LIMITS, maxInflatedBytes: 64 * 1024 * 1024 };
const source = (bytes: Uint8Array) => async () => streamOf(bytes);
const inspect = (bytes: Uint8Array, format: "csv" | "xlsx" = "csv", l = limits) => inspectImportFile(source(bytes), format, l, bytes.length);
const rowsOf = async (bytes: Uint8Array, format: "csv" | "xlsx" = "csv") => {
  const out: string[][] = [];
  const meta = await inspect(bytes, format);
  for await (const r of readSheet(source(bytes), format, { encoding: meta.encoding === "xlsx" ? undefined : meta.encoding, limits, fileSize: bytes.length })) out.push(r.cells);
  return { meta, rows: out };
};
const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportFileError);
  return (err as Error).message;
};

async function xlsx(rows: unknown[][], edit?: (ws: ExcelJS.Worksheet) => void): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("Contacts");
  for (const r of rows) ws.addRow(r);
  edit?.(ws);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe("encodings", () => {
  const text = "Name,Email,City\nZoë Ångström,zoe@example.org,Tromsø\n";
  it("reads UTF-8 with and without a byte-order mark", async () => {
    const plain = await rowsOf(Buffer.from(text, "utf8"));
    expect(plain.meta.encoding).toBe("utf-8");
    expect(plain.rows[1]).toEqual(["Zoë Ångström", "zoe@example.org", "Tromsø"]);
    const bom = await rowsOf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]));
    expect(bom.meta.encoding).toBe("utf-8 with BOM");
    expect(bom.rows[0]![0]).toBe("Name");
  });

  it("reads UTF-16 little- and big-endian, with or without a byte-order mark", async () => {
    const le = Buffer.from(text, "utf16le");
    const withBom = await rowsOf(Buffer.concat([Buffer.from([0xff, 0xfe]), le]));
    expect(withBom.meta.encoding).toBe("utf-16le");
    expect(withBom.rows[1]![0]).toBe("Zoë Ångström");
    expect((await rowsOf(le)).rows[1]![2]).toBe("Tromsø");
    const be = Buffer.from(le);
    be.swap16();
    const big = await rowsOf(Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
    expect(big.meta.encoding).toBe("utf-16be");
    expect(big.rows[1]![0]).toBe("Zoë Ångström");
  });

  it("falls back to Windows-1252 when the bytes are not UTF-8", async () => {
    const cp1252 = Buffer.from("Name;City\nJos\xe9 \x80uro;K\xf6ln\n", "latin1");
    const r = await rowsOf(cp1252);
    expect(r.meta.encoding).toBe("windows-1252");
    expect(r.meta.delimiter).toBe(";");
    expect(r.rows[1]).toEqual(["José €uro", "Köln"]);
  });

  it("detects the delimiter from the header line", () => {
    expect(detectDelimiter("a;b;c")).toBe(";");
    expect(detectDelimiter("a\tb\tc")).toBe("\t");
    expect(detectDelimiter('"a,b";c;d')).toBe(";");
    expect(detectDelimiter("a|b")).toBe("|");
    expect(detectDelimiter("single")).toBe(",");
  });
});

describe("bad files", () => {
  it("refuses a binary file renamed .csv", async () => {
    expect(await refusal(inspect(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0, 0, 9, 200])))).toMatch(/binary data/);
    expect(() => sniffEncoding(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toThrow(/binary/);
  });

  it("refuses an .xlsx renamed .csv with the reason", async () => {
    expect(await refusal(inspect(await xlsx([["Name"], ["Ada"]])))).toMatch(/renamed \.csv/);
  });

  it("refuses a header-only file, and an empty one", async () => {
    expect(await refusal(inspect(Buffer.from("Name,Email\n")))).toMatch(/header row but no contacts/);
    expect(await refusal(inspect(new Uint8Array(0)))).toMatch(/empty/);
    expect(await refusal(inspect(await xlsx([["Name", "Email"]]), "xlsx"))).toMatch(/header row but no contacts/);
  });

  it("refuses a 10 MB single cell without holding the row", async () => {
    const big = Buffer.concat([Buffer.from('Name,Notes\nAda,"'), Buffer.alloc(10 * 1024 * 1024, "x"), Buffer.from('"\n')]);
    expect(await refusal(inspect(big))).toMatch(/more than 32,768 characters/);
  });

  it("refuses formula cells in CSV and in .xlsx", async () => {
    expect(await refusal(inspect(Buffer.from("Name,Notes\nAda,=1+1\n")))).toMatch(/Row 2, column 2 is a spreadsheet formula/);
    const withFormula = await xlsx([["Name", "Total"], ["Ada", 1]], (ws) => {
      ws.getCell("B2").value = { formula: "1+1", result: 2 } as ExcelJS.CellFormulaValue;
    });
    expect(await refusal(inspect(withFormula, "xlsx"))).toMatch(/Row 2, column 2 is a formula/);
  });

  it("refuses more rows than the limit", async () => {
    const many = Buffer.from(["Name", ...Array.from({ length: 11 }, (_, i) => `P${i}`)].join("\n"));
    expect(await refusal(inspect(many, "csv", { ...limits, maxRows: 10 }))).toMatch(/more than 10 rows/);
  });

  it("refuses an .xlsx zip bomb before it inflates", async () => {
    // A valid zip whose one sheet inflates 1000-fold: far past any real spreadsheet's ratio.
    const inflated = Buffer.alloc(50 * 1024 * 1024, " ");
    const bomb = zipOf([
      ["xl/workbook.xml", Buffer.from("<workbook/>")],
      ["xl/worksheets/sheet1.xml", inflated],
    ]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(await refusal(inspect(bomb, "xlsx"))).toMatch(/zip bomb/);
  });

  it("refuses a file that is not a workbook", async () => {
    expect(await refusal(inspect(Buffer.from("Name\nAda\n"), "xlsx"))).toMatch(/not a readable \.xlsx/);
  });
});

describe("xlsx", () => {
  it("reads the first sheet's values as text, rows numbered as in the sheet", async () => {
    const bytes = await xlsx([
      ["Name", "Email", "Phone"],
      ["Ada Lovelace", "ada@example.org", 442079460958],
      [],
      ["Grace Hopper", { text: "grace@example.org", hyperlink: "mailto:grace@example.org" }, null],
    ]);
    const { meta, rows } = await rowsOf(bytes, "xlsx");
    expect(meta).toMatchObject({ format: "xlsx", encoding: "xlsx", headers: ["Name", "Email", "Phone"], totalRows: 2 });
    expect(rows[1]).toEqual(["Ada Lovelace", "ada@example.org", "442079460958"]);
    expect(rows[2]![1]).toBe("grace@example.org");
  });
});

/** A minimal zip writer (stored central directory, deflated entries) for the zip-bomb fixture. */
function zipOf(entries: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const packed = deflateRawSync(data, { level: 9 });
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}
