import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { createContactList, listContactLists } from "@/lib/contacts/lists";
import { contactViewer } from "@/lib/contacts/visibility";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.listLists, async ({ tx, access }) => ({ body: { lists: await listContactLists(tx, contactViewer(access)) } }));

export const POST = apiRoute(endpoints.createList, async ({ tx, access, body, requestId }) => ({
  status: 201,
  body: { id: await createContactList(tx, contactViewer(access), body.name, { requestId }) },
}));
