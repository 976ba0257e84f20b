import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { getContactForApi } from "@/lib/api/contacts";
import { deleteContact, updateContact } from "@/lib/contacts/commands";
import { contactViewer } from "@/lib/contacts/visibility";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.getContact, async ({ tx, access, params }) => ({
  body: { contact: await getContactForApi(tx, contactViewer(access), params.id) },
}));

export const PATCH = apiRoute(endpoints.updateContact, async ({ tx, access, params, body, requestId }) => {
  const viewer = contactViewer(access);
  const changed = await updateContact(tx, viewer, params.id, body, { requestId });
  return { body: { changed, contact: await getContactForApi(tx, viewer, params.id) } };
});

export const DELETE = apiRoute(endpoints.deleteContact, async ({ tx, access, params, requestId }) => {
  await deleteContact(tx, contactViewer(access), params.id, { requestId });
  return { status: 204 };
});
