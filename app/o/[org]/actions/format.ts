import type { ActionKind } from "@/db/schema/workspace";

export const kindLabels: Record<ActionKind, string> = { call: "Call", text: "Text", canvass: "Canvass", event: "Event", petition: "Petition" };

/** Dates are shown and typed in UTC, so what a person reads is what the form sends back. */
export function formatWhen(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function formatSpan(startsAt: Date | null, endsAt: Date | null): string {
  if (startsAt && endsAt) return `${formatWhen(startsAt)} – ${formatWhen(endsAt)}`;
  if (startsAt) return `From ${formatWhen(startsAt)}`;
  if (endsAt) return `Until ${formatWhen(endsAt)}`;
  return "No dates";
}

export function toDateTimeLocal(d: Date | null): string {
  return d ? d.toISOString().slice(0, 16) : "";
}
