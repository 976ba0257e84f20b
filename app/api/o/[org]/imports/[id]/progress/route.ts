import { z } from "zod";
import { importProgress } from "@/lib/imports/service";
import { orgRoute } from "@/lib/tenancy/guards";
import { uuidSchema } from "@/lib/validation/ids";

export const dynamic = "force-dynamic";

/** An import's counters for the live progress bar (numbers only). */
export const GET = orgRoute(
  "imports:manage",
  async (_request, { access, params }) => Response.json(await access.run((tx) => importProgress(tx, access.org.id, params.id)), { headers: { "cache-control": "no-store" } }),
  { params: z.object({ id: uuidSchema }), oneTransaction: true },
);
