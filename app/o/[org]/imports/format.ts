import type { ImportStatus } from "@/db/schema/imports";

export const statusLabels: Record<ImportStatus, string> = {
  uploaded: "Waiting for mapping",
  queued: "Queued",
  running: "Running",
  succeeded: "Finished",
  failed: "Failed",
  cancelled: "Cancelled",
  rolling_back: "Rolling back",
  rolled_back: "Rolled back",
};

/** "3 min 20 s" from two dates, or "—". */
export function duration(from: Date | null, to: Date | null): string {
  if (!from || !to) return "—";
  const s = Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

export const when = (d: Date) => d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
