import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { createContact, getContactForApi } from "@/lib/api/contacts";
import { listContacts } from "@/lib/contacts/list-contacts";
import { contactViewer } from "@/lib/contacts/visibility";
import { decodeNextCursor } from "@/lib/api/cursor";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.listContacts, async ({ tx, access, query }) => {
  const { cursor, limit, ...filters } = query;
  const page = await listContacts(tx, contactViewer(access), { ...filters, position: decodeNextCursor(cursor), pageSize: limit ?? 50 });
  return { body: { view: page.view, total: page.count.value, totalExact: page.count.exact, contacts: page.rows, nextCursor: page.nextCursor } };
});

export const POST = apiRoute(endpoints.createContact, async ({ tx, access, body, requestId }) => {
  const { assignedTo, ...values } = body;
  const viewer = contactViewer(access);
  const id = await createContact(tx, viewer, values, { assignedTo, requestId });
  return { status: 201, body: { contact: await getContactForApi(tx, viewer, id) } };
});
