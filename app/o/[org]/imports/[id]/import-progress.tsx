"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import type { ImportProgress } from "@/lib/imports/service";

const POLL_MS = 1500;
const live = new Set(["queued", "running", "rolling_back"]);

function timeLeft(seconds: number | null): string {
  if (seconds === null) return "estimating…";
  if (seconds < 60) return `about ${seconds} s left`;
  return `about ${Math.ceil(seconds / 60)} min left`;
}

/** The progress bar, kept current by polling the import's progress route; the page reloads its data when the job ends. */
export function ImportProgressBar({ org, id, initial }: { org: string; id: string; initial: ImportProgress }) {
  const router = useRouter();
  const [p, setP] = useState(initial);
  useEffect(() => {
    if (!live.has(p.status)) return;
    const timer = setInterval(async () => {
      const res = await fetch(`/api/o/${encodeURIComponent(org)}/imports/${id}/progress`, { cache: "no-store" }).catch(() => null);
      if (!res?.ok) return;
      const next = (await res.json()) as ImportProgress;
      setP(next);
      if (!live.has(next.status)) router.refresh();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [org, id, p.status, router]);

  const rollingBack = p.status === "rolling_back";
  const total = rollingBack ? p.rollbackTotal : p.totalRows;
  const done = rollingBack ? p.rollbackDone + p.rollbackKept : p.rowsDone;
  const percent = total ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <div className="flex flex-col gap-2" data-testid="import-progress" data-status={p.status}>
      <div className="flex justify-between text-sm">
        <span>
          {rollingBack ? "Rolling back" : "Imported"} {done.toLocaleString("en-US")} of {total.toLocaleString("en-US")} rows
          {!rollingBack && p.failed > 0 && ` · ${p.failed.toLocaleString("en-US")} refused so far`}
        </span>
        {p.status === "running" && <span>{timeLeft(p.secondsLeft)}</span>}
      </div>
      <progress max={100} value={percent} aria-label={rollingBack ? "Rollback progress" : "Import progress"} className="h-3 w-full" />
      <p role="status" className="text-sm" aria-live="polite">
        {p.status === "queued" && "Queued: the import starts in a moment."}
        {p.status === "running" && (p.cancelRequested ? "Cancelling after the current batch…" : "Running in the background: you can leave this page.")}
        {p.status === "rolling_back" && "Rolling back in the background."}
      </p>
    </div>
  );
}
