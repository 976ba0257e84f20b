import { getConfig } from "@/lib/config";

/** What one import may hold: bytes and rows from the configuration, the rest fixed here. */
export type ImportLimits = {
  maxBytes: number;
  maxRows: number;
  /** A cell longer than this is refused (the longest contact field, notes, is 5,000 characters). */
  maxCellChars: number;
  maxColumns: number;
  /** An .xlsx inflating past this many bytes, or this many times its own size, is treated as a zip bomb. */
  maxInflatedBytes: number;
  maxInflateRatio: number;
};

export const FIXED_LIMITS = { maxCellChars: 32_768, maxColumns: 200, maxInflateRatio: 100 } as const;

export function importLimits(): ImportLimits {
  const { imports } = getConfig();
  return { maxBytes: imports.maxBytes, maxRows: imports.maxRows, ...FIXED_LIMITS, maxInflatedBytes: Math.max(imports.maxBytes * 20, 64 * 1024 * 1024) };
}
