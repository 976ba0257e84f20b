import { contactViewer } from "@/lib/contacts/visibility";
import { exportContactsCsv } from "@/lib/contacts/export-csv";
import { orgRoute } from "@/lib/tenancy/guards";

export const dynamic = "force-dynamic";

/** Admins download every contact they can see as CSV; the export is recorded in the campaign's activity log. */
export const GET = orgRoute("contacts:export", async (_request, { access, requestId }) => {
  const chunks: string[] = [];
  await access.run((tx) => exportContactsCsv(tx, contactViewer(access), (chunk) => void chunks.push(chunk), { requestId }));
  const date = new Date().toISOString().slice(0, 10);
  return new Response(chunks.join(""), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="contacts-${access.org.slug}-${date}.csv"`,
      "cache-control": "no-store",
    },
  });
});
