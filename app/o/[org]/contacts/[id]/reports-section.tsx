import { Card, dividedListClass, mutedTextClass } from "@/app/_components/ui";
import type { ReportView } from "@/lib/reports/reports";
import { answerLabel, outcomeLabels, surveyQuestions } from "@/lib/reports/survey";
import type { OrgAccess } from "@/lib/tenancy/access";
import { fileReportAction } from "./report-actions";
import { ReportForm } from "./report-form";

const day = (d: Date) => d.toISOString().slice(0, 10);
const answered = (answers: ReportView["answers"]): [string, string][] => Object.entries(answers).flatMap(([k, v]) => (v ? [[k, v] as [string, string]] : []));

function ReportRow({ report }: { report: ReportView }) {
  const answers = answered(report.answers);
  return (
    <li className="py-3" data-testid="report-row" data-status={report.completedAt ? "completed" : "draft"}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <p className="font-medium">{outcomeLabels[report.outcome]}</p>
        <p className={mutedTextClass}>
          {report.completedAt ? (
            <>
              <span className="rounded bg-emerald-100 px-1.5 text-xs text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">Completed</span> {day(report.completedAt)}
            </>
          ) : (
            <>
              <span className="rounded bg-amber-100 px-1.5 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-100">Draft</span> saved {day(report.updatedAt)}, only you can see it
            </>
          )}{" "}
          · by {report.mine ? "you" : (report.filerName ?? "a former member")}
        </p>
      </div>
      {answers.length > 0 && (
        <dl className="mt-2 grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
          {answers.map(([key, value]) => {
            const { question, answer } = answerLabel(key, value);
            return (
              <div key={key} className="contents">
                <dt className="text-slate-600 dark:text-slate-400">{question}</dt>
                <dd>{answer}</dd>
              </div>
            );
          })}
        </dl>
      )}
    </li>
  );
}

/** The outreach reports on one contact that this person may read (loaded with the page), and the form to file one. */
export function ReportsSection({
  access,
  contactId,
  reports,
  action,
}: {
  access: OrgAccess;
  contactId: string;
  reports: ReportView[] | null;
  action: { id: string; title: string } | null;
}) {
  const canFile = access.can("reports:file");
  if (!reports) return null;
  const draft = reports.find((r) => r.mine && !r.completedAt);
  const initial: Record<string, string> = draft ? { outcome: draft.outcome, ...Object.fromEntries(answered(draft.answers)) } : {};
  return (
    <Card>
      <h2 id="report" className="mb-1 scroll-mt-24 text-lg font-semibold">
        Outreach reports
      </h2>
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
        {access.can("reports:read") ? "Completed reports from everyone in the campaign, and your own drafts." : "Your reports on this contact."}
      </p>
      {reports.length === 0 ? (
        <p className={mutedTextClass} data-testid="reports-empty">
          No reports yet.{canFile ? " After you reach out, record what happened below." : ""}
        </p>
      ) : (
        <ul className={dividedListClass} data-testid="report-list">
          {reports.map((r) => (
            <ReportRow key={r.id} report={r} />
          ))}
        </ul>
      )}
      {canFile && (
        <div className="mt-6 border-t border-slate-200 pt-4 dark:border-slate-800">
          <h3 className="mb-1 font-semibold">{draft ? "Continue your draft" : "File a report"}</h3>
          {action && <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">For the action “{action.title}”.</p>}
          <ReportForm
            action={fileReportAction}
            org={access.org.slug}
            contactId={contactId}
            actionId={action?.id}
            outcomes={Object.entries(outcomeLabels)}
            questions={surveyQuestions}
            initial={initial}
          />
        </div>
      )}
    </Card>
  );
}
