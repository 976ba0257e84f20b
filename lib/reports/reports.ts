import "server-only";
import { randomUUID } from "node:crypto";
import { and, count, desc, eq, exists, gte, inArray, isNotNull, isNull, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { actionAssignees, actions, contacts, reports, users, type Report, type ReportOutcome } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { openContacts, sealedReports } from "@/lib/contacts/sealed";
import type { Transaction } from "@/lib/db/client";
import { contactIsVisible, contactViewer, visibleContacts, type ContactViewer } from "@/lib/contacts/visibility";
import { keysetMicros, keysetPage, twoListsPage, type KeysetPosition, type TwoListsAt } from "@/lib/pagination/keyset";
import { can } from "@/lib/tenancy/permissions";
import { uuidSchema } from "@/lib/validation/ids";
import { answersSchema, outcomeSchema, type SurveyAnswers } from "./survey";

/**
 * Outreach reports: a member records what happened when they contacted someone, on a fixed survey. A draft is
 * its author's alone; a completed report is final and read by the campaign's managers — and completing one on a
 * contact the member synced is what lets managers see that contact (RLS, migration 0013). Every function here
 * also filters for the viewer itself (wall 2), so a refusal never depends on RLS alone.
 */

export type ReportViewer = ContactViewer;
export const reportViewer = contactViewer;

export const REPORTS_PAGE_SIZE = 25;

export const reportInputSchema = z
  .object({
    contactId: uuidSchema,
    actionId: uuidSchema.optional(),
    outcome: outcomeSchema,
    answers: answersSchema,
    complete: z.boolean(),
  })
  .strict();
export type ReportInput = z.input<typeof reportInputSchema>;

const draftPatchSchema = reportInputSchema.omit({ contactId: true, complete: true });
export type DraftPatch = z.input<typeof draftPatchSchema>;

/** A live action the viewer may file under (any for those who read all actions, otherwise one given to them), or null. */
export async function actionForReport(tx: Transaction, viewer: ReportViewer, actionId: string): Promise<{ id: string; title: string } | null> {
  const assigned = exists(
    tx
      .select({ one: sql`1` })
      .from(actionAssignees)
      .where(and(eq(actionAssignees.actionId, actions.id), eq(actionAssignees.userId, viewer.userId))),
  );
  const [row] = await tx
    .select({ id: actions.id, title: actions.title })
    .from(actions)
    .where(and(eq(actions.orgId, viewer.orgId), eq(actions.id, actionId), isNull(actions.deletedAt), can(viewer.role, "actions:read") ? undefined : assigned));
  return row ?? null;
}

const actorOf = (viewer: ReportViewer) => ({ kind: "member" as const, id: viewer.userId });

/** This person's open draft on a contact, if any (one draft per person and contact: filing again edits it). */
async function myDraftOn(tx: Transaction, viewer: ReportViewer, contactId: string): Promise<string | null> {
  const [row] = await tx
    .select({ id: reports.id })
    .from(reports)
    .where(and(eq(reports.orgId, viewer.orgId), eq(reports.contactId, contactId), eq(reports.filedBy, viewer.userId), isNull(reports.completedAt)))
    .orderBy(desc(reports.updatedAt))
    .limit(1);
  return row?.id ?? null;
}

/** No answers are stored as no value: nothing to encrypt. */
const sealable = (answers: SurveyAnswers): SurveyAnswers | null => (Object.values(answers).some(Boolean) ? answers : null);

export type FiledReport = { id: string; completed: boolean };

/**
 * Files a report on a contact the viewer can see, as a draft or completed. An open draft of theirs on the same
 * contact is edited instead of starting a second one. Null when the contact or the action is not theirs to use.
 */
export async function fileReport(tx: Transaction, viewer: ReportViewer, input: ReportInput): Promise<FiledReport | null> {
  const data = reportInputSchema.parse(input);
  if (!can(viewer.role, "reports:file")) return null;
  if (!(await contactIsVisible(tx, viewer, data.contactId))) return null;
  if (data.actionId && !(await actionForReport(tx, viewer, data.actionId))) return null;

  const draft = await myDraftOn(tx, viewer, data.contactId);
  if (draft) {
    if (!(await updateDraft(tx, viewer, draft, { actionId: data.actionId, outcome: data.outcome, answers: data.answers }))) return null;
    if (data.complete && !(await completeReport(tx, viewer, draft))) return null;
    return { id: draft, completed: data.complete };
  }

  const id = randomUUID();
  await tx.insert(reports).values(
    await sealedReports.seal(tx, {
      id,
      orgId: viewer.orgId,
      contactId: data.contactId,
      actionId: data.actionId ?? null,
      filedBy: viewer.userId,
      outcome: data.outcome,
      answers: sealable(data.answers),
      completedAt: data.complete ? new Date() : null,
    }),
  );
  await recordAuditEvent(tx, {
    orgId: viewer.orgId,
    actor: actorOf(viewer),
    action: "report.filed",
    target: { type: "report", id },
    metadata: { outcome: data.outcome, draft: !data.complete },
  });
  return { id, completed: data.complete };
}

/** The viewer's own draft, on a contact they still see; null for anything else (completed reports never change). */
async function lockMyDraft(tx: Transaction, viewer: ReportViewer, reportId: string): Promise<{ id: string; contactId: string } | null> {
  const [row] = await tx
    .select({ id: reports.id, contactId: reports.contactId })
    .from(reports)
    .where(and(eq(reports.orgId, viewer.orgId), eq(reports.id, reportId), eq(reports.filedBy, viewer.userId), isNull(reports.completedAt)))
    .for("update");
  if (!row || !(await contactIsVisible(tx, viewer, row.contactId))) return null;
  return row;
}

/** Changes the outcome, answers and action of one of the viewer's drafts. */
export async function updateDraft(tx: Transaction, viewer: ReportViewer, reportId: string, patch: DraftPatch): Promise<{ id: string } | null> {
  const data = draftPatchSchema.parse(patch);
  const draft = await lockMyDraft(tx, viewer, reportId);
  if (!draft) return null;
  if (data.actionId && !(await actionForReport(tx, viewer, data.actionId))) return null;
  const sealedPart = await sealedReports.sealPatch(tx, { orgId: viewer.orgId, id: reportId }, { answers: sealable(data.answers) });
  const changed = await tx
    .update(reports)
    .set({ ...sealedPart, outcome: data.outcome, actionId: data.actionId ?? null, updatedAt: new Date() })
    .where(and(eq(reports.orgId, viewer.orgId), eq(reports.id, reportId), isNull(reports.completedAt)))
    .returning({ id: reports.id });
  if (changed.length === 0) return null;
  await recordAuditEvent(tx, {
    orgId: viewer.orgId,
    actor: actorOf(viewer),
    action: "report.filed",
    target: { type: "report", id: reportId },
    metadata: { outcome: data.outcome, draft: true },
  });
  return { id: reportId };
}

/** Makes one of the viewer's drafts final. */
export async function completeReport(tx: Transaction, viewer: ReportViewer, reportId: string): Promise<{ id: string } | null> {
  if (!(await lockMyDraft(tx, viewer, reportId))) return null;
  const now = new Date();
  const done = await tx
    .update(reports)
    .set({ completedAt: now, updatedAt: now })
    .where(and(eq(reports.orgId, viewer.orgId), eq(reports.id, reportId), isNull(reports.completedAt)))
    .returning({ id: reports.id });
  if (done.length === 0) return null;
  await recordAuditEvent(tx, { orgId: viewer.orgId, actor: actorOf(viewer), action: "report.completed", target: { type: "report", id: reportId } });
  return { id: reportId };
}

export type ReportView = {
  id: string;
  contactId: string;
  actionId: string | null;
  outcome: ReportOutcome;
  answers: SurveyAnswers;
  filedBy: string | null;
  filerName: string | null;
  mine: boolean;
  completedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

/** Which reports the viewer reads: their own (drafts included) and, for the campaign's readers, everyone's completed ones. */
function readableReports(viewer: ReportViewer): SQL {
  const mine = eq(reports.filedBy, viewer.userId);
  return can(viewer.role, "reports:read") ? or(mine, isNotNull(reports.completedAt))! : mine;
}

type ReportRow = { report: Report; filerName: string | null };

const reportRows = (tx: Transaction) => tx.select({ report: reports, filerName: users.name }).from(reports).leftJoin(users, eq(users.id, reports.filedBy));

async function openReports(tx: Transaction, viewer: ReportViewer, rows: ReportRow[]): Promise<ReportView[]> {
  const opened = await sealedReports.openAll(
    tx,
    rows.map((r) => r.report),
  );
  return opened.map((r, i) => ({
    id: r.id,
    contactId: r.contactId,
    actionId: r.actionId,
    outcome: r.outcome,
    answers: (r.answers ?? {}) as SurveyAnswers,
    filedBy: r.filedBy,
    filerName: rows[i]!.filerName,
    mine: r.filedBy === viewer.userId,
    completedAt: r.completedAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  }));
}

/** The reports on one contact the viewer may read, drafts first; null when the contact is not visible to them. */
export async function listReportsForContact(tx: Transaction, viewer: ReportViewer, contactId: string): Promise<ReportView[] | null> {
  if (!(await contactIsVisible(tx, viewer, contactId))) return null;
  const rows = await reportRows(tx)
    .where(and(eq(reports.orgId, viewer.orgId), readableReports(viewer), eq(reports.contactId, contactId)))
    .orderBy(sql`${reports.completedAt} is null desc`, desc(sql`coalesce(${reports.completedAt}, ${reports.updatedAt})`), desc(reports.id));
  return openReports(tx, viewer, rows);
}

export type ReportListItem = ReportView & { contactName: string | null };
/** One keyset page of a report list; the cursors are opaque (lib/pagination/keyset). */
export type ReportPage = { items: ReportListItem[]; nextCursor: string | null; prevCursor: string | null };

/** Names of the contacts on one page of reports (null where the viewer no longer sees the contact). */
async function withContactNames(tx: Transaction, viewer: ReportViewer, items: ReportView[]): Promise<ReportListItem[]> {
  const ids = [...new Set(items.map((i) => i.contactId))];
  const rows = ids.length
    ? await tx
        .select({ id: contacts.id, orgId: contacts.orgId, card: contacts.card, name: contacts.name })
        .from(contacts)
        .where(and(eq(contacts.orgId, viewer.orgId), inArray(contacts.id, ids), visibleContacts(viewer)))
    : [];
  const names = new Map((await openContacts(tx, rows)).map((c) => [c.id, c.name]));
  return items.map((i) => ({ ...i, contactName: names.get(i.contactId) ?? null }));
}

/**
 * The report lists, each newest first by keyset over (time, id): the viewer's open drafts by when they were last saved,
 * their completed reports and (for readers) the campaign's by when they were completed. Served by the
 * (org_id, completed_at, id) index for the campaign's list; a person's own lists read their rows by (org_id, filed_by).
 */
const reportLists = {
  drafts: { time: reports.updatedAt, where: (viewer: ReportViewer) => and(eq(reports.filedBy, viewer.userId), isNull(reports.completedAt))! },
  myCompleted: { time: reports.completedAt, where: (viewer: ReportViewer) => and(eq(reports.filedBy, viewer.userId), isNotNull(reports.completedAt))! },
  campaign: { time: reports.completedAt, where: () => isNotNull(reports.completedAt) },
};
type ReportList = keyof typeof reportLists;

async function reportPage(tx: Transaction, viewer: ReportViewer, list: ReportList, position: KeysetPosition | null, pageSize = REPORTS_PAGE_SIZE): Promise<ReportPage> {
  const { time, where } = reportLists[list];
  const page = await keysetPage({ time, id: reports.id }, position, pageSize, (keyset, order, limit) =>
    tx
      .select({ report: reports, filerName: users.name, id: reports.id, micros: keysetMicros(time) })
      .from(reports)
      .leftJoin(users, eq(users.id, reports.filedBy))
      .where(and(eq(reports.orgId, viewer.orgId), readableReports(viewer), where(viewer), keyset))
      .orderBy(...order)
      .limit(limit),
  );
  const items = await withContactNames(tx, viewer, await openReports(tx, viewer, page.rows));
  return { items, nextCursor: page.nextCursor, prevCursor: page.prevCursor };
}

export type ReportListOptions = { position?: KeysetPosition | null; pageSize?: number };

/** The viewer's own open drafts, last saved first. */
export function listMyDrafts(tx: Transaction, viewer: ReportViewer, options: ReportListOptions = {}): Promise<ReportPage> {
  return reportPage(tx, viewer, "drafts", options.position ?? null, options.pageSize);
}

/** The viewer's own completed reports, newest first. */
export function listMyCompletedReports(tx: Transaction, viewer: ReportViewer, options: ReportListOptions = {}): Promise<ReportPage> {
  return reportPage(tx, viewer, "myCompleted", options.position ?? null, options.pageSize);
}

/** Every completed report of the campaign, newest first, for those who read reports; empty for anyone else. */
export async function listCompletedReports(tx: Transaction, viewer: ReportViewer, options: ReportListOptions = {}): Promise<ReportPage> {
  if (!can(viewer.role, "reports:read")) return { items: [], nextCursor: null, prevCursor: null };
  return reportPage(tx, viewer, "campaign", options.position ?? null, options.pageSize);
}

/**
 * The viewer's own reports in one forward walk, open drafts first, then completed ones, newest first (the API's
 * mine=true; `at` from decodeTwoListsCursor). A page that ends the drafts is filled from the completed reports.
 */
export async function listMyReports(
  tx: Transaction,
  viewer: ReportViewer,
  at: TwoListsAt = { list: 1, after: null },
  pageSize = REPORTS_PAGE_SIZE,
): Promise<{ items: ReportListItem[]; nextCursor: string | null }> {
  const page = await twoListsPage(at, pageSize, async (list, position, pageSize) => {
    const { items, ...cursors } = await reportPage(tx, viewer, list === 1 ? "drafts" : "myCompleted", position, pageSize);
    return { rows: items, ...cursors };
  });
  return { items: page.rows, nextCursor: page.nextCursor };
}

/** Reports completed in the last seven days that this transaction's person may read (RLS: all of them for managers). */
export async function reportsThisWeek(tx: Transaction, orgId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(reports)
    .where(and(eq(reports.orgId, orgId), gte(reports.completedAt, new Date(Date.now() - 7 * 86_400_000))));
  return row?.n ?? 0;
}

export type ReportsPageData =
  | { view: "mine"; drafts: ReportPage; completed: ReportPage }
  | { view: "campaign"; completed: ReportPage; thisWeek: number; drafts: ReportPage | null };

/** Where each list of the reports page is: its completed reports (`after`, `before`, `last`) and the drafts (`drafts_…`). */
export type ReportsPagePositions = { completed: KeysetPosition | null; drafts: KeysetPosition | null };

/**
 * The reports page in one transaction: a member who files but does not read the campaign's reports gets their own
 * drafts and completed reports; a reader gets the campaign's completed ones, the week's count and their own drafts.
 */
export async function loadReportsPage(tx: Transaction, viewer: ReportViewer, at: ReportsPagePositions): Promise<ReportsPageData> {
  if (!can(viewer.role, "reports:read"))
    return { view: "mine", drafts: await listMyDrafts(tx, viewer, { position: at.drafts }), completed: await listMyCompletedReports(tx, viewer, { position: at.completed }) };
  return {
    view: "campaign",
    completed: await listCompletedReports(tx, viewer, { position: at.completed }),
    thisWeek: await reportsThisWeek(tx, viewer.orgId),
    drafts: can(viewer.role, "reports:file") ? await listMyDrafts(tx, viewer, { position: at.drafts }) : null,
  };
}
