import { endpoints } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/route";
import { contactTagsInUse } from "@/lib/contacts/list-contacts";
import { contactViewer } from "@/lib/contacts/visibility";

export const dynamic = "force-dynamic";

export const GET = apiRoute(endpoints.listTags, async ({ tx, access }) => ({ body: { tags: await contactTagsInUse(tx, contactViewer(access)) } }));
