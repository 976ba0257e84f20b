import type { IncidentView } from "@/lib/incidents";
import { ActionButton } from "./action-button";
import { acknowledgeIncidentAction } from "@/app/o/[org]/incidents/actions";

const when = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** The owners' banner: every incident affecting this campaign that no owner has acknowledged, with the text staff wrote. */
export function IncidentBanner({ slug, incidents }: { slug: string; incidents: IncidentView[] }) {
  if (!incidents.length) return null;
  return (
    <section aria-labelledby="incident-banner-title" data-testid="incident-banner" className="rounded-md border-2 border-red-300 bg-red-50 p-4 text-red-950 dark:border-red-800 dark:bg-red-950 dark:text-red-50">
      <h2 id="incident-banner-title" className="text-base font-semibold">
        {incidents.length === 1 ? "A security incident affects this campaign" : `${incidents.length} security incidents affect this campaign`}
      </h2>
      <ul className="mt-3 flex flex-col gap-4">
        {incidents.map((i) => (
          <li key={i.id} className="flex flex-col gap-2">
            <p className="font-semibold">
              {i.title} <span className="font-normal">· {i.severity} severity · {i.status} · recorded {when(i.createdAt)}</span>
            </p>
            <p className="whitespace-pre-line text-sm">{i.summary}</p>
            {i.entries.length > 0 && (
              <details className="text-sm">
                <summary className="cursor-pointer font-medium">Timeline ({i.entries.length})</summary>
                <ol className="mt-2 flex flex-col gap-1 pl-4">
                  {i.entries.map((e) => (
                    <li key={e.id}>
                      <time dateTime={e.createdAt.toISOString()}>{when(e.createdAt)}</time>: {e.body}
                    </li>
                  ))}
                </ol>
              </details>
            )}
            {i.debrief && <p className="whitespace-pre-line text-sm">Debrief: {i.debrief}</p>}
            <ActionButton action={acknowledgeIncidentAction} hidden={{ org: slug, incidentId: i.id }} label="Acknowledge" ariaLabel={`Acknowledge: ${i.title}`} announce />
          </li>
        ))}
      </ul>
      <p className="mt-3 text-xs">Acknowledging records that an owner of this campaign has read it; it clears this notice for every owner. The incident stays in the activity feed.</p>
    </section>
  );
}
