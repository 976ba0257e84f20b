import { decodeNextCursor, decodeTwoListsNextCursor } from "@/lib/api/cursor";
import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { fileReport, listCompletedReports, listMyReports, reportViewer } from "@/lib/reports/reports";
import { contactNotFound } from "@/lib/contacts/visibility";
import { can } from "@/lib/tenancy/permissions";

export const dynamic = "force-dynamic";

/** Readers get the campaign's completed reports; a member who only files (or asks with mine=true) gets their own, drafts first. */
export const GET = apiRoute(endpoints.listReports, async ({ tx, access, query }) => {
  const viewer = reportViewer(access);
  if (query.mine === "true" || !can(access.role, "reports:read")) {
    const mine = await listMyReports(tx, viewer, decodeTwoListsNextCursor(query.cursor));
    return { body: { reports: mine.items, nextCursor: mine.nextCursor } };
  }
  const page = await listCompletedReports(tx, viewer, { position: decodeNextCursor(query.cursor) });
  return { body: { reports: page.items, nextCursor: page.nextCursor } };
});

export const POST = apiRoute(endpoints.fileReport, async ({ tx, access, body }) => {
  const filed = await fileReport(tx, reportViewer(access), body);
  if (!filed) throw contactNotFound();
  return { status: 201, body: { report: filed } };
});
