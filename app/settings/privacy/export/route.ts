import { getCurrentSession } from "@/lib/auth/current";
import { getServices } from "@/lib/services";
import { problemResponse } from "@/lib/http/problem";
import { publicRoute } from "@/lib/http/route";
import { exportAccountData } from "@/lib/privacy/export";

export const dynamic = "force-dynamic";

/**
 * "Export my data": the signed-in person's data as a JSON download. POST from the privacy page (publicRoute
 * refuses a cross-site POST), the session checked against its row; each export is recorded with a receipt.
 */
export const POST = publicRoute(async (_request, { requestId }) => {
  const session = await getCurrentSession();
  if (!session) return problemResponse({ status: 401, title: "Sign in required", requestId });
  const { db } = await getServices();
  const now = new Date();
  const data = await exportAccountData(db, session.user.id, { requestId, now });
  return new Response(JSON.stringify(data, null, 2), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="rampart-export-${now.toISOString().slice(0, 10)}.json"`,
      "cache-control": "no-store",
    },
  });
});
