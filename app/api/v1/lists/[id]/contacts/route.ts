import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { addToContactList } from "@/lib/contacts/lists";
import { contactViewer } from "@/lib/contacts/visibility";

export const dynamic = "force-dynamic";

export const POST = apiRoute(endpoints.addListMember, async ({ tx, access, params, body, requestId }) => ({
  body: { added: await addToContactList(tx, contactViewer(access), params.id, body.contactId, { requestId }) },
}));
