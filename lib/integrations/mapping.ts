import { z } from "zod";
import { reportOutcomes, type ReportOutcome } from "@/db/schema/workspace";
import { surveyQuestions } from "@/lib/reports/survey";
import type { RemoteCodes, RemoteOutcome } from "./connectors/types";

/**
 * What a campaign sends for each Rampart outcome and survey answer. A target is a string a form can carry:
 * "result:<id>" (a result code: the person was not reached), "code:<id>" (an activist code, PDI flag or Salsa segment)
 * or "response:<questionId>:<responseId>" (an answer to a remote survey question). Unmapped means nothing is sent.
 */
const piece = "[A-Za-z0-9_.-]{1,64}";
const target = z.string().regex(new RegExp(`^(result:${piece}|code:${piece}|response:${piece}:${piece})$`), "Choose one of the listed codes");

/** Survey answers as "question:answer" keys: "support:strong_support". */
export const answerKeys = surveyQuestions.flatMap((q) => q.options.map(([value, label]) => ({ key: `${q.key}:${value}`, question: q.label, label })));
const answerKey = z.enum(answerKeys.map((a) => a.key) as [string, ...string[]]);

export const mappingSchema = z
  .object({
    contactTypeId: z.string().regex(new RegExp(`^${piece}$`)).optional(),
    outcomes: z.partialRecord(z.enum(reportOutcomes), target).default({}),
    answers: z.partialRecord(answerKey, target).default({}),
  })
  .strict();
export type IntegrationMapping = z.output<typeof mappingSchema>;

export const emptyCodes: RemoteCodes = { activistCodes: [], surveyQuestions: [], resultCodes: [], contactTypes: [] };

/** Every target the codes offer, with the words shown in the mapping form. */
export function targetsOf(codes: RemoteCodes): { results: { value: string; label: string }[]; codes: { value: string; label: string }[]; responses: { value: string; label: string }[] } {
  return {
    results: codes.resultCodes.map((c) => ({ value: `result:${c.id}`, label: c.name })),
    codes: codes.activistCodes.map((c) => ({ value: `code:${c.id}`, label: c.name })),
    responses: codes.surveyQuestions.flatMap((q) => q.responses.map((r) => ({ value: `response:${q.id}:${r.id}`, label: `${q.name}: ${r.name}` }))),
  };
}

/** The mapping, checked against the codes the system offers now: a target it does not list is refused by field. */
export function checkMapping(mapping: IntegrationMapping, codes: RemoteCodes): Record<string, string> {
  const t = targetsOf(codes);
  const known = new Set([...t.results, ...t.codes, ...t.responses].map((x) => x.value));
  const errors: Record<string, string> = {};
  for (const [outcome, value] of Object.entries(mapping.outcomes)) if (value && !known.has(value)) errors[`outcome.${outcome}`] = "That code is no longer offered; refresh the codes";
  for (const [key, value] of Object.entries(mapping.answers)) if (value && !known.has(value)) errors[`answer.${key}`] = "That code is no longer offered; refresh the codes";
  if (mapping.contactTypeId && !codes.contactTypes.some((c) => c.id === mapping.contactTypeId)) errors.contactTypeId = "That contact type is no longer offered";
  return errors;
}

/** How many outcomes and answers send something. */
export function mappedCount(mapping: IntegrationMapping): number {
  return Object.values(mapping.outcomes).filter(Boolean).length + Object.values(mapping.answers).filter(Boolean).length;
}

/** A completed report through the mapping; null when nothing of it is mapped (nothing is sent). */
export function toRemoteOutcome(report: { outcome: ReportOutcome; answers: Record<string, string> | null; completedAt: Date }, mapping: IntegrationMapping): RemoteOutcome | null {
  const out: RemoteOutcome = { contactedAt: report.completedAt, activistCodeIds: [], surveyResponses: [], ...(mapping.contactTypeId ? { contactTypeId: mapping.contactTypeId } : {}) };
  const apply = (value: string | undefined, reached: boolean) => {
    if (!value) return;
    const [kind, a, b] = value.split(":") as [string, string, string | undefined];
    if (kind === "result" && !reached) out.resultCodeId = a;
    else if (kind === "code") out.activistCodeIds.push(a);
    else if (kind === "response" && reached && b) out.surveyResponses.push({ questionId: a, responseId: b });
  };
  const reached = report.outcome === "reached";
  apply(mapping.outcomes[report.outcome], reached);
  if (reached) for (const [question, answer] of Object.entries(report.answers ?? {})) apply(mapping.answers[`${question}:${answer}`], true);
  out.activistCodeIds = [...new Set(out.activistCodeIds)];
  return out.resultCodeId || out.activistCodeIds.length || out.surveyResponses.length ? out : null;
}
