import type { ActionKind } from "@/db/schema/workspace";
import { kindLabels } from "./format";

const tones: Record<ActionKind, string> = {
  call: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-100",
  text: "bg-violet-100 text-violet-900 dark:bg-violet-950 dark:text-violet-100",
  canvass: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100",
  event: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100",
  petition: "bg-rose-100 text-rose-900 dark:bg-rose-950 dark:text-rose-100",
};

export function KindBadge({ kind }: { kind: ActionKind }) {
  return (
    <span className={`inline-block rounded px-2 py-0.5 text-xs font-semibold ${tones[kind]}`} data-testid="action-kind">
      {kindLabels[kind]}
    </span>
  );
}
