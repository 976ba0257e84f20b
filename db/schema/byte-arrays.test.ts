import { describe, expect, it } from "vitest";
import { contacts } from "./workspace";

/** The name-token column's bytea[] mapping: what goes to the driver and what comes back from each driver's shape. */
describe("byteArrays column", () => {
  const column = contacts.nameTokens;
  const tokens = [Buffer.from("00ff10", "hex"), Buffer.from("a1b2c3d4e5f6a7b8c9d0e1f2", "hex")];

  it("writes an array literal of hex byteas (never each Buffer turned into text)", () => {
    expect(column.mapToDriverValue(tokens)).toBe('{"\\\\x00ff10","\\\\xa1b2c3d4e5f6a7b8c9d0e1f2"}');
    expect(column.mapToDriverValue([])).toBe("{}");
  });

  it("reads parsed arrays (node-postgres, PGlite) and array literals back as Buffers", () => {
    expect(column.mapFromDriverValue([Uint8Array.from([0, 255, 16]), tokens[1]!])).toEqual(tokens);
    expect(column.mapFromDriverValue('{"\\\\x00ff10","\\\\xa1b2c3d4e5f6a7b8c9d0e1f2"}')).toEqual(tokens);
    expect(column.mapFromDriverValue("{}")).toEqual([]);
  });
});
