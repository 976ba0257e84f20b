import { ActionButton } from "@/app/_components/action-button";
import { Card, PageHeading, mutedTextClass } from "@/app/_components/ui";
import type { Field } from "@/app/_components/forms";
import { answerKeys, targetsOf } from "@/lib/integrations/mapping";
import { integrationsOverview, type IntegrationStatus } from "@/lib/integrations/service";
import { outcomeLabels } from "@/lib/reports/survey";
import { reportOutcomes } from "@/db/schema";
import { requireOrgAccess } from "@/lib/tenancy/guards";
import { connectIntegrationAction, disconnectIntegrationAction, refreshCodesAction, saveMappingAction, syncNowAction } from "./actions";
import { ConnectForm, MappingForm } from "./forms";

export const metadata = { title: "Integrations" };

const when = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ") + " UTC";

const connectFields: Record<IntegrationStatus["system"], { fields: Field[]; hint: string }> = {
  van: {
    fields: [
      { name: "applicationName", label: "Application name", hint: "The name VAN gave with the key (Settings → API keys)." },
      { name: "apiKey", label: "API key", type: "password", autoComplete: "off" },
    ],
    hint: "Outcomes go to VAN as canvass responses on the person with the contact's VAN ID. Nobody is created in VAN.",
  },
  pdi: {
    fields: [
      { name: "username", label: "PDI user name", autoComplete: "off" },
      { name: "password", label: "PDI password", type: "password", autoComplete: "off" },
      { name: "apiToken", label: "API token", type: "password", autoComplete: "off" },
    ],
    hint: "Outcomes go to PDI as flags on the voter with the contact's PDI id. Nobody is created in PDI.",
  },
  salsa: {
    fields: [{ name: "apiKey", label: "Engage API token", type: "password", autoComplete: "off" }],
    hint: "Reached supporters are added to the segments you choose, by their Engage supporter id. Nobody is created in Engage.",
  },
};

function Mapping({ s, slug }: { s: IntegrationStatus; slug: string }) {
  const c = s.connection!;
  const t = targetsOf(c.codes);
  if (t.results.length + t.codes.length + t.responses.length === 0)
    return <p className={mutedTextClass}>{s.label} offered no codes to map. Add activist codes or questions there, then refresh the codes.</p>;
  const outcomeRows = reportOutcomes.map((o) => ({
    name: `outcome.${o}`,
    label: outcomeLabels[o],
    options: o === "reached" ? t.codes : [...t.results, ...t.codes],
    value: c.mapping.outcomes[o],
  }));
  const answerRows = answerKeys.map((a) => ({ name: `answer.${a.key}`, label: `${a.question} ${a.label}`, options: [...t.responses, ...t.codes], value: c.mapping.answers[a.key] }));
  const groups = [
    { title: "What each outcome sends", rows: outcomeRows },
    ...(t.responses.length + t.codes.length ? [{ title: "What each survey answer sends (when the person was reached)", rows: answerRows }] : []),
    ...(c.codes.contactTypes.length
      ? [{ title: "How the contact is recorded", rows: [{ name: "contactTypeId", label: "Contact type", options: c.codes.contactTypes.map((x) => ({ value: x.id, label: x.name })), value: c.mapping.contactTypeId }] }]
      : []),
  ];
  // Keyed by the stored mapping: after a save the form is drawn again from what was stored (React resets a form after its action).
  return <MappingForm key={JSON.stringify(c.mapping)} action={saveMappingAction} org={slug} system={s.system} groups={groups} />;
}

function System({ s, slug }: { s: IntegrationStatus; slug: string }) {
  const hidden = { org: slug, system: s.system };
  const spec = connectFields[s.system];
  return (
    <Card>
      <section aria-labelledby={`integration-${s.system}`} data-testid={`integration-${s.system}`} className="flex flex-col gap-4">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id={`integration-${s.system}`} className="text-lg font-semibold">
            {s.label}
          </h2>
          <span className={mutedTextClass} data-testid={`integration-${s.system}-state`}>
            {s.connection ? "Connected" : "Not connected"}
          </span>
        </div>
        <p className={mutedTextClass}>{spec.hint}</p>
        {s.connection ? (
          <>
            <p className="text-sm">
              Connected by {s.connection.connectedBy ?? "a former member"} on {when(s.connection.connectedAt)}. Last outcome sent: {s.lastSentAt ? when(s.lastSentAt) : "none yet"}.
            </p>
            <p className="text-sm" data-testid={`integration-${s.system}-counts`}>
              Waiting {s.counts.queued} · sent {s.counts.sent} · nothing to send {s.counts.skipped} · failed {s.counts.failed} · cancelled {s.counts.cancelled}
            </p>
            {s.lastError && (
              <p role="status" className="rounded-md bg-amber-50 p-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200">
                Last failure ({when(s.lastError.at)}): {s.lastError.message}
              </p>
            )}
            <div className="flex flex-wrap gap-3">
              <ActionButton action={syncNowAction} hidden={hidden} label="Sync now" testId={`integration-${s.system}-sync`} />
              <ActionButton action={refreshCodesAction} hidden={hidden} label="Refresh codes" />
              <ActionButton
                action={disconnectIntegrationAction}
                hidden={hidden}
                label="Disconnect"
                variant="danger"
                testId={`integration-${s.system}-disconnect`}
                confirm={`Disconnect ${s.label}? The key is deleted at once and queued outcomes are cancelled.`}
                announce
              />
            </div>
            <Mapping s={s} slug={slug} />
          </>
        ) : (
          <ConnectForm
            action={connectIntegrationAction}
            org={slug}
            system={s.system}
            fields={spec.fields}
            modes={s.system === "van" ? [{ value: "1", label: "MyCampaign" }, { value: "0", label: "VoterFile" }] : undefined}
          />
        )}
      </section>
    </Card>
  );
}

export default async function IntegrationsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const access = await requireOrgAccess(org, "integrations:manage");
  const overview = await access.run((tx) => integrationsOverview(tx, access.org.id));
  return (
    <div className="flex flex-col gap-6">
      <PageHeading
        title="Integrations"
        lead="Send your volunteers' completed reports to NGP VAN, PDI or Salsa Engage. Only contacts with an external id (from an import or set on the contact page) are sent, with the codes you map; keys are stored encrypted and deleted the moment you disconnect."
      />
      {overview.map((s) => (
        <System key={s.system} s={s} slug={access.org.slug} />
      ))}
    </div>
  );
}
