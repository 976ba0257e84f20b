import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { removeFromContactList } from "@/lib/contacts/lists";
import { contactViewer } from "@/lib/contacts/visibility";

export const dynamic = "force-dynamic";

export const DELETE = apiRoute(endpoints.removeListMember, async ({ tx, access, params, requestId }) => {
  await removeFromContactList(tx, contactViewer(access), params.id, params.contactId, { requestId });
  return { status: 204 };
});
