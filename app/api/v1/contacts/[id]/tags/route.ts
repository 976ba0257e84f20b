import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { setContactTags } from "@/lib/contacts/commands";
import { contactViewer } from "@/lib/contacts/visibility";

export const dynamic = "force-dynamic";

export const PUT = apiRoute(endpoints.setContactTags, async ({ tx, access, params, body, requestId }) => ({
  body: await setContactTags(tx, contactViewer(access), params.id, body.tags, { requestId }),
}));
