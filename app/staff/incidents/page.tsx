import Link from "next/link";
import { notFound } from "next/navigation";
import { ActionButton } from "@/app/_components/action-button";
import { Card, PageHeading } from "@/app/_components/ui";
import { breachSwitches, incidentSeverities, type IncidentStatus } from "@/db/schema";
import { requireSession } from "@/lib/auth/current";
import { getServices } from "@/lib/services";
import { breachSwitchLabels, listIncidentsForStaff } from "@/lib/incidents";
import { addIncidentEntryAction, changeIncidentStatusAction, createIncidentAction, notifyOwnersAgainAction, recordBreachSwitchesAction } from "./actions";
import { IncidentForm } from "./incident-forms";

export const metadata = { title: "Incidents" };
export const dynamic = "force-dynamic";

const when = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
const statusStyle: Record<IncidentStatus, string> = {
  open: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-100",
  contained: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100",
  resolved: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100",
};
const switchOptions = (checked: readonly string[] = []) => breachSwitches.map((s) => ({ name: `switch_${s}`, label: breachSwitchLabels[s], checked: checked.includes(s) }));

export default async function StaffIncidentsPage() {
  const { user } = await requireSession("/staff/incidents");
  if (!user.isStaff) notFound();
  const { db } = await getServices();
  const incidents = await listIncidentsForStaff(db);
  return (
    <div className="flex flex-col gap-6">
      <PageHeading
        title="Security incidents"
        lead={
          <>
            Owners of the campaigns you name are told at once, in the app and by mail, with exactly the text you write here. Every step is recorded in their
            activity feed. Breach switches are on the <Link href="/staff" className="underline">staff console</Link>.
          </>
        }
      />
      <Card>
        <h2 className="mb-4 text-lg font-semibold">Record an incident</h2>
        <IncidentForm
          action={createIncidentAction}
          submitLabel="Record and notify owners"
          resetOnSuccess
          fields={[
            { kind: "text", name: "title", label: "Title", hint: "Short and factual, e.g. “Export links reachable without sign-in”." },
            { kind: "textarea", name: "summary", label: "What happened (sent to the owners as written)", rows: 5 },
            { kind: "select", name: "severity", label: "Severity", defaultValue: "medium", options: incidentSeverities.map((s) => ({ value: s, label: s[0]!.toUpperCase() + s.slice(1) })) },
            { kind: "text", name: "campaigns", label: "Affected campaigns (addresses, separated by spaces or commas)", hint: "Leave empty for an incident that affects no campaign's data." },
            { kind: "checkboxes", legend: "Breach switches used so far", options: switchOptions() },
          ]}
        />
      </Card>
      <section aria-labelledby="incident-list" className="flex flex-col gap-4">
        <h2 id="incident-list" className="text-lg font-semibold">
          Recorded incidents
        </h2>
        {incidents.length === 0 && (
          <Card>
            <p className="text-sm text-slate-600 dark:text-slate-400">
              No incidents recorded. When something goes wrong, record it above as soon as you know the campaigns concerned; add to its timeline as you learn
              more, mark it contained, and resolve it with a debrief.
            </p>
          </Card>
        )}
        {incidents.map((incident) => (
          <Card key={incident.id}>
            <article aria-labelledby={`incident-${incident.id}`} className="flex flex-col gap-4">
              <header className="flex flex-wrap items-baseline gap-3">
                <h3 id={`incident-${incident.id}`} className="text-base font-semibold">
                  {incident.title}
                </h3>
                <span className={`rounded px-2 py-0.5 text-xs font-semibold uppercase ${statusStyle[incident.status]}`}>{incident.status}</span>
                <span className="text-sm text-slate-600 dark:text-slate-400">
                  {incident.severity} severity · recorded {when(incident.createdAt)}
                </span>
              </header>
              <p className="whitespace-pre-line text-sm">{incident.summary}</p>
              <div className="grid gap-4 text-sm md:grid-cols-2">
                <div>
                  <h4 className="font-medium">Affected campaigns</h4>
                  {incident.campaigns.length === 0 ? (
                    <p className="text-slate-600 dark:text-slate-400">None.</p>
                  ) : (
                    <ul className="mt-1 list-disc pl-5">
                      {incident.campaigns.map((c) => (
                        <li key={c.slug}>
                          {c.name} ({c.slug}): {c.notifiedAt ? `notified ${when(c.notifiedAt)}` : "not notified yet"}
                          {c.acknowledgedAt ? `, acknowledged ${when(c.acknowledgedAt)}` : ", not acknowledged"}
                        </li>
                      ))}
                    </ul>
                  )}
                  {incident.campaigns.some((c) => !c.notifiedAt) && <ActionButton action={notifyOwnersAgainAction} hidden={{ incidentId: incident.id }} label="Send notifications again" />}
                </div>
                <div>
                  <h4 className="font-medium">Breach switches used</h4>
                  <p className="text-slate-600 dark:text-slate-400">{incident.breachSwitches.length ? incident.breachSwitches.map((s) => breachSwitchLabels[s]).join(", ") : "None recorded."}</p>
                </div>
              </div>
              <div>
                <h4 className="text-sm font-medium">Timeline</h4>
                {incident.entries.length === 0 ? (
                  <p className="text-sm text-slate-600 dark:text-slate-400">No entries yet: add what you find and what you do, as you go.</p>
                ) : (
                  <ol className="mt-1 flex flex-col gap-2 border-l-2 border-slate-200 pl-4 text-sm dark:border-slate-700">
                    {incident.entries.map((e) => (
                      <li key={e.id}>
                        <time dateTime={e.createdAt.toISOString()} className="text-xs text-slate-500 dark:text-slate-400">
                          {when(e.createdAt)}
                        </time>
                        <p className="whitespace-pre-line">{e.body}</p>
                      </li>
                    ))}
                  </ol>
                )}
              </div>
              {incident.status === "resolved" ? (
                <div className="text-sm">
                  <h4 className="font-medium">Debrief</h4>
                  <p className="whitespace-pre-line">{incident.debrief}</p>
                </div>
              ) : (
                <div className="grid gap-6 border-t border-slate-200 pt-4 md:grid-cols-3 dark:border-slate-700">
                  <IncidentForm
                    action={addIncidentEntryAction}
                    hidden={{ incidentId: incident.id }}
                    submitLabel="Add to timeline"
                    resetOnSuccess
                    fields={[{ kind: "textarea", name: "body", label: "New timeline entry", rows: 3 }]}
                  />
                  <IncidentForm
                    action={changeIncidentStatusAction}
                    hidden={{ incidentId: incident.id }}
                    submitLabel="Change status"
                    fields={[
                      {
                        kind: "select",
                        name: "status",
                        label: "Status",
                        defaultValue: incident.status === "open" ? "contained" : "resolved",
                        options: (incident.status === "open" ? ["contained", "resolved"] : ["resolved"]).map((s) => ({ value: s, label: s[0]!.toUpperCase() + s.slice(1) })),
                      },
                      { kind: "textarea", name: "debrief", label: "Debrief (required to resolve)", rows: 3 },
                    ]}
                  />
                  <IncidentForm
                    action={recordBreachSwitchesAction}
                    hidden={{ incidentId: incident.id }}
                    submitLabel="Save switches"
                    fields={[{ kind: "checkboxes", legend: "Breach switches used", options: switchOptions(incident.breachSwitches) }]}
                  />
                </div>
              )}
            </article>
          </Card>
        ))}
      </section>
    </div>
  );
}
