import { decodePageCursor, encodePageCursor } from "@/lib/api/cursor";
import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { fileReport, listCompletedReports, listMyReports, reportViewer } from "@/lib/reports/reports";
import { contactNotFound } from "@/lib/contacts/visibility";
import { can } from "@/lib/tenancy/permissions";

export const dynamic = "force-dynamic";

/** Readers get the campaign's completed reports; a member who only files (or asks with mine=true) gets their own. */
export const GET = apiRoute(endpoints.listReports, async ({ tx, access, query }) => {
  const viewer = reportViewer(access);
  const page = decodePageCursor(query.cursor);
  const mine = query.mine === "true" || !can(access.role, "reports:read");
  const result = mine ? await listMyReports(tx, viewer, { page }) : await listCompletedReports(tx, viewer, { page });
  return { body: { reports: result.items, nextCursor: result.hasMore ? encodePageCursor(result.page + 1) : null } };
});

export const POST = apiRoute(endpoints.fileReport, async ({ tx, access, body }) => {
  const filed = await fileReport(tx, reportViewer(access), body);
  if (!filed) throw contactNotFound();
  return { status: 201, body: { report: filed } };
});
