import { encodePageCursor, decodePageCursor } from "@/lib/api/cursor";
import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { createContact, getContactForApi } from "@/lib/api/contacts";
import { listContacts } from "@/lib/contacts/list-contacts";
import { contactViewer } from "@/lib/contacts/visibility";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.listContacts, async ({ tx, access, query }) => {
  const page = await listContacts(tx, contactViewer(access), { ...query, page: decodePageCursor(query.cursor), pageSize: query.limit ?? 50 });
  return { body: { view: page.view, total: page.total, contacts: page.rows, nextCursor: page.page < page.pageCount ? encodePageCursor(page.page + 1) : null } };
});

export const POST = apiRoute(endpoints.createContact, async ({ tx, access, body, requestId }) => {
  const { assignedTo, ...values } = body;
  const viewer = contactViewer(access);
  const id = await createContact(tx, viewer, values, { assignedTo, requestId });
  return { status: 201, body: { contact: await getContactForApi(tx, viewer, id) } };
});
