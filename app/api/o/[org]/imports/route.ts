import { getConfig } from "@/lib/config";
import { RuleError } from "@/lib/errors";
import { importLimits } from "@/lib/imports/limits";
import { uploadImportFile } from "@/lib/imports/service";
import { getServices } from "@/lib/services";
import { createBlobStore } from "@/lib/storage";
import { orgRoute } from "@/lib/tenancy/guards";

export const dynamic = "force-dynamic";

/** Admins upload a CSV or .xlsx as the raw request body (name in X-File-Name); it is encrypted into the store as it arrives. */
export const POST = orgRoute("imports:manage", async (request, { access }) => {
  const limits = importLimits();
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limits.maxBytes) throw new RuleError(`The file is larger than ${Math.round(limits.maxBytes / (1024 * 1024))} MB, the most one import takes. Split it and upload each part.`);
  if (!request.body) throw new RuleError("Choose a file to upload.");
  const name = decodeURIComponent(request.headers.get("x-file-name") ?? "");
  const { db } = await getServices();
  const { id } = await uploadImportFile(db, createBlobStore(getConfig().blob), { orgId: access.org.id, userId: access.userId }, { name, body: request.body }, limits);
  return Response.json({ id, url: `/o/${access.org.slug}/imports/${id}` }, { status: 201 });
});
