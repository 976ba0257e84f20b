import { z } from "zod";
import { reportOutcomes, type ReportOutcome } from "@/db/schema/workspace";

/**
 * The outreach survey every report uses: a fixed set of questions with fixed answers, so that reports add up
 * across volunteers and no free text (which could name people) enters a report.
 */

export const outcomeLabels: Record<ReportOutcome, string> = {
  reached: "Reached them",
  no_answer: "No answer",
  left_message: "Left a message",
  wrong_number: "Wrong number or address",
  refused: "Refused to talk",
  moved: "Moved away",
  do_not_contact: "Asked not to be contacted",
};

export const surveyQuestions = [
  {
    key: "support",
    label: "How do they feel about the campaign?",
    options: [
      ["strong_support", "Strong support"],
      ["lean_support", "Leaning support"],
      ["undecided", "Undecided"],
      ["lean_oppose", "Leaning against"],
      ["strong_oppose", "Strongly against"],
    ],
  },
  {
    key: "wants_volunteer",
    label: "Would they like to volunteer?",
    options: [
      ["yes", "Yes"],
      ["no", "No"],
    ],
  },
  {
    key: "top_issue",
    label: "Their top issue",
    options: [
      ["housing", "Housing"],
      ["health", "Health care"],
      ["jobs", "Jobs and wages"],
      ["environment", "Environment"],
      ["transport", "Transport"],
      ["education", "Education"],
      ["safety", "Community safety"],
      ["other", "Something else"],
    ],
  },
  {
    key: "follow_up",
    label: "Should someone follow up?",
    options: [
      ["yes", "Yes"],
      ["no", "No"],
    ],
  },
] as const satisfies readonly { key: string; label: string; options: readonly (readonly [string, string])[] }[];

export type SurveyKey = (typeof surveyQuestions)[number]["key"];
export const surveyKeys = surveyQuestions.map((q) => q.key) as SurveyKey[];

const answer = <Q extends (typeof surveyQuestions)[number]>(q: Q) =>
  z.enum(q.options.map(([value]) => value) as [Q["options"][number][0], ...Q["options"][number][0][]], { error: `Choose one of the answers to "${q.label}"` }).optional();

/** Answers to the survey: every question optional (no answer is an answer), unknown questions refused. */
export const answersSchema = z
  .object({
    support: answer(surveyQuestions[0]),
    wants_volunteer: answer(surveyQuestions[1]),
    top_issue: answer(surveyQuestions[2]),
    follow_up: answer(surveyQuestions[3]),
  })
  .strict();
export type SurveyAnswers = z.output<typeof answersSchema>;

export const outcomeSchema = z.enum(reportOutcomes, { error: "Choose what happened" });

/** The label of an answer as shown to people; unknown values (a survey changed since) are shown as stored. */
export function answerLabel(key: string, value: string): { question: string; answer: string } {
  const q = surveyQuestions.find((s) => s.key === key);
  const option = q?.options.find(([v]) => v === value);
  return { question: q?.label ?? key, answer: option?.[1] ?? value };
}
