import { z } from "zod";
import { getContact } from "@/lib/contacts/get-contact";
import { contactViewer } from "@/lib/contacts/visibility";
import { problemResponse } from "@/lib/http/problem";
import { orgRoute } from "@/lib/tenancy/guards";
import { uuidSchema } from "@/lib/validation/ids";

export const dynamic = "force-dynamic";

/** One contact as JSON, in the shape the person may see (volunteers: reach-out fields); anything else is 404. */
export const GET = orgRoute(
  ["contacts:read", "contacts:read_assigned"],
  async (_request, { access, params, requestId }) => {
    const contact = await access.run((tx) => getContact(tx, contactViewer(access), params.id));
    if (!contact) return problemResponse({ status: 404, title: "Not found", requestId });
    return Response.json({ contact }, { headers: { "cache-control": "no-store" } });
  },
  { params: z.object({ id: uuidSchema }), oneTransaction: true },
);
