import { contactViewer, getContact, isUuid } from "@/lib/contacts/contacts";
import { problemResponse } from "@/lib/http/problem";
import { orgRoute } from "@/lib/tenancy/next";

export const dynamic = "force-dynamic";

/** One contact as JSON, in the shape the person may see (volunteers: reach-out fields); anything else is 404. */
export const GET = orgRoute(["contacts:read", "contacts:read_assigned"], async (request, { access, requestId }) => {
  const id = new URL(request.url).pathname.split("/").at(-1) ?? "";
  const contact = isUuid(id) ? await access.run((tx) => getContact(tx, contactViewer(access), id)) : null;
  if (!contact) return problemResponse({ status: 404, title: "Not found", requestId });
  return Response.json({ contact }, { headers: { "cache-control": "no-store" } });
});
